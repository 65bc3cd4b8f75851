// Renders the run event stream for a human in a terminal: steps as they happen, then the
// answer, the final SQL and the result as a table. Every value from the model or the database
// reaches the terminal as data through terminalText (shown, never obeyed).
import type { RunEvent } from '../core/observability/events';
import { joined, lines, styled, tt, visible, type TerminalText, type TerminalWriter } from './terminalText';

const bold = (text: TerminalText | string) => styled('bold', text);
const dim = (text: TerminalText | string) => styled('dim', text);
const red = (text: TerminalText | string) => styled('red', text);
const green = (text: TerminalText | string) => styled('green', text);

export function createTextRenderer(write: TerminalWriter): (event: RunEvent) => void {
  let thinking = false;
  // A step's prose is held until the step ends: narration before tool calls is printed then, and a
  // step without tool calls is the answer, printed once under its heading.
  let stepText = '';
  const endStream = () => {
    if (thinking) write(tt`\n`);
    thinking = false;
  };

  return (event) => {
    switch (event.type) {
      case 'run.started':
        write(tt`${bold('Question:')} ${event.question}\n${dim(tt`${event.connection.label} · ${event.connection.dialect} · ${event.connection.environment} · ${event.model}`)}\n\n`);
        break;
      case 'model.delta':
        if (event.channel === 'text') {
          stepText += event.text;
          break;
        }
        if (!thinking) write(dim('thinking: '));
        thinking = true;
        write(dim(lines(event.text)));
        break;
      case 'model.completed':
        endStream();
        if (event.toolCalls > 0 && stepText.trim()) write(tt`${lines(stepText.trim())}\n`);
        stepText = '';
        break;
      case 'schema.linked':
        write(event.error
          ? dim(tt`schema linker unavailable: ${event.error}\n`)
          : dim(tt`schema linker: ${event.tables.length} of ${event.totalTables} tables for this question (${event.durationMs} ms): ${joined(event.tables.slice(0, 5), tt`, `)}${event.tables.length > 5 ? ', …' : ''}\n`));
        break;
      case 'tool.started':
        endStream();
        write(tt`${bold('→')} ${event.tool} ${event.sql ? '' : dim(JSON.stringify(event.args))}\n`);
        if (event.sql) write(tt`${indent(event.sql, '    ')}\n`);
        break;
      case 'tool.finished':
        write(event.ok
          ? tt`  ${green('✓')} ${event.summary} ${dim(`(${event.durationMs} ms)`)}\n`
          : tt`  ${red('✗')} ${lines(event.error ?? event.summary)} ${dim(`(${event.durationMs} ms)`)}\n`);
        break;
      case 'approval.requested':
        write(dim(tt`  needs ${event.request.level === 'confirm' ? 'typed confirmation' : 'approval'}: ${event.request.title} on ${event.request.connection.label} (${event.request.connection.environment})\n`));
        break;
      case 'answer':
        endStream();
        write(tt`\n${bold('Answer')}\n${lines(event.text)}\n`);
        if (event.sql) write(tt`\n${bold('SQL')}\n${indent(event.sql, '  ')}\n`);
        if (event.result) {
          const more = event.result.rowCount > 20 || event.result.truncated ? dim(tt`\n  … ${event.result.rowCount}${event.result.truncated ? '+' : ''} rows in all`) : tt``;
          write(tt`\n${formatTable(event.result.columns.map((c) => c.name), event.result.rows.slice(0, 20))}${more}\n`);
        }
        break;
      case 'run.finished':
        endStream();
        if (event.status === 'stopped') write(tt`\n${red('Stopped.')} ${dim(`after ${event.durationMs} ms`)}\n`);
        else if (event.status === 'failed') write(tt`\n${red('Failed:')} ${lines(event.error ?? '')}${event.hint ? tt`\n${lines(event.hint)}` : ''}\n`);
        else write(dim(tt`\nDone in ${event.durationMs} ms.\n`));
        if (event.usage) write(dim(tt`Tokens: ${event.usage.inputTokens.toLocaleString('en-US')} prompt, ${event.usage.outputTokens.toLocaleString('en-US')} completion.\n`));
        break;
      default:
        break;
    }
  };
}

/** Multi-line untrusted text, each line indented (SQL). */
function indent(text: string, prefix: string): TerminalText {
  return lines(text.split('\n').map((line) => prefix + line).join('\n'));
}

const CELL_WIDTH = 40;

/** The result grid: each cell is one line of visible text, so a value cannot break the layout. */
function formatTable(header: string[], rows: unknown[][]): TerminalText {
  const cells = [header, ...rows.map((row) => row.map((v) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))))].map((row) =>
    row.map((c) => visible(Array.from(c).slice(0, CELL_WIDTH).join(''), { keepLines: false })),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) => '  ' + row.map((c, i) => c.padEnd(widths[i])).join('  ');
  // Already visible and free of newlines; the rows' own newlines are the grid's layout.
  return lines([line(cells[0]), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n'));
}
