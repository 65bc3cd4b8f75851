// Bidi controls and invisible characters, shown as codes wherever text from the model or the data
// is displayed (approval cards, tool cards, the grid, answers, the terminal): otherwise what a
// reviewer reads could differ from what runs (an unclosed right-to-left override reverses the rest).
// \p{Cf} covers the bidi controls, zero-width characters, word joiners, the BOM, soft hyphens and
// the invisible "tag" characters (U+E0000..); line/paragraph separators and the Hangul fillers
// render as blank space, so they are shown too.
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/gu;

export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}

