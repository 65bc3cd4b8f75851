// Bidi overrides and invisible characters, shown as codes wherever a user approves what they
// read (approval cards, the terminal): otherwise displayed SQL could differ from what runs.
// By Unicode property, not a hand list: every format character (bidi controls, zero-width
// characters, tag characters that hide ASCII), the line/paragraph separators, and every default-
// ignorable code point (Hangul fillers, variation selectors that can smuggle bytes, soft hyphen).
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}

