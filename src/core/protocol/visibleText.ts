// Bidi overrides and invisible characters, shown as codes wherever a user approves what they
// read (approval cards, the terminal): otherwise displayed SQL could differ from what runs.
// By Unicode category, not a hand list: every format character (bidi controls, zero-width
// characters, soft hyphen, tag characters that hide ASCII), and the line/paragraph separators.
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}]/gu;

export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}
