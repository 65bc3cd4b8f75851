// Bidi overrides and invisible characters, shown as codes wherever a user approves what they
// read (approval cards, the terminal): otherwise displayed SQL could differ from what runs.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u2028\u2029\ufeff]/g;

export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}
