// The terminal boundary. The model and the database control much of what the CLI prints (tool
// names, SQL, confirmation text, cell values, error messages), and a terminal obeys control
// characters in it: OSC 52 writes the clipboard, CSI clears the screen, a raw CR overwrites the
// line, U+202E reverses what follows. So output is built as TerminalText (the CLI's own layout
// plus values marked as data), and only `renderTerminal` turns it into bytes: every control is
// shown as a visible code, never obeyed.
import { Writable } from 'node:stream';
import { showInvisible } from '../core/protocol/visibleText';

export type Style = 'bold' | 'dim' | 'red' | 'green';

interface Piece {
  text: string;
  /** Newlines and tabs are layout (the CLI's own text, multi-line prose and SQL), not data. */
  keepLines: boolean;
  style?: Style;
}

/** Output the CLI composed; its pieces are made visible only when rendered. */
export class TerminalText {
  constructor(readonly pieces: readonly Piece[]) {}
}

/** Every C0 and C1 control and DEL (and so every ESC/CSI/OSC/DCS/APC sequence, which starts with one). */
const CONTROL = /\p{Cc}/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text as the terminal may show it: controls become codes like `\u001b` (the JSON/JavaScript
 * escape, so JSON passed through stays valid and keeps its value), format and invisible characters
 * become `<U+202E>`. With keepLines, newlines and tabs stay (layout); otherwise they are codes too
 * (a cell value or a name is one line).
 */
export function visible(text: string, options: { keepLines: boolean }): string {
  return showInvisible(
    text.replace(CONTROL, (c) => {
      if (options.keepLines && (c === '\n' || c === '\t')) return c;
      return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }),
  );
}

/**
 * The CLI's own layout: template literals keep their newlines; every interpolated string or
 * number is data and shown on one line; TerminalText values are nested as they are.
 */
export function tt(strings: TemplateStringsArray, ...values: unknown[]): TerminalText {
  const pieces: Piece[] = [];
  strings.forEach((literal, i) => {
    if (literal) pieces.push({ text: literal, keepLines: true });
    if (i < values.length) pieces.push(...asPieces(values[i]));
  });
  return new TerminalText(pieces);
}

/** Untrusted text whose lines are its layout (model prose, SQL): newlines and tabs stay. */
export function lines(text: string): TerminalText {
  return new TerminalText([{ text, keepLines: true }]);
}

/** A style for the CLI to add; a plain string here is data like any interpolated value. */
export function styled(style: Style, value: TerminalText | string): TerminalText {
  return new TerminalText(asPieces(value).map((piece) => ({ ...piece, style: piece.style ?? style })));
}

export function joined(values: readonly (TerminalText | string)[], separator: TerminalText): TerminalText {
  return new TerminalText(values.flatMap((value, i) => [...(i ? separator.pieces : []), ...asPieces(value)]));
}

function asPieces(value: unknown): readonly Piece[] {
  if (value instanceof TerminalText) return value.pieces;
  return [{ text: String(value), keepLines: false }];
}

const SGR: Record<Style, string> = { bold: '1', dim: '2', red: '31', green: '32' };

/** The only way TerminalText becomes a string: every piece made visible, colour added by the CLI. */
export function renderTerminal(text: TerminalText, options: { color: boolean }): string {
  return text.pieces
    .map((piece) => {
      const shown = visible(piece.text, { keepLines: piece.keepLines });
      return options.color && piece.style ? `\u001b[${SGR[piece.style]}m${shown}\u001b[0m` : shown;
    })
    .join('');
}

export type TerminalWriter = (text: TerminalText) => void;

export function terminalWriter(stream: NodeJS.WritableStream, options: { color: boolean }): TerminalWriter {
  return (text) => {
    stream.write(renderTerminal(text, options));
  };
}

/**
 * A stream for commands that write plain text (no colour) of their own: everything written to it
 * reaches `target` made visible, newlines and tabs kept.
 */
export function visibleStream(target: NodeJS.WritableStream): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      target.write(visible(typeof chunk === 'string' ? chunk : chunk.toString('utf8'), { keepLines: true }), () => done());
    },
  });
}

/** Every character JSON allows raw but a terminal may obey or hide (C1 controls, DEL, bidi, invisible). */
const JSON_UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * One JSON line for stdout: the same value (JSON.parse gives it back), with every character a
 * terminal may obey written as a \u escape, since these lines are often read in a terminal.
 */
export function jsonLine(value: unknown): string {
  const json = JSON.stringify(value).replace(JSON_UNSAFE, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
  return `${json}\n`;
}
