// Small DOM helpers. Everything from the model or the database is set as text, never as HTML;
// the one exception is the answer's markdown, which goes through DOMPurify (markdown.ts).
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: { class?: string; text?: string; testid?: string; title?: string }, children?: (Node | string)[]): HTMLElementTagNameMap[K];
export function el(tag: string, props?: { class?: string; text?: string; testid?: string; title?: string }, children?: (Node | string)[]): HTMLElement;
export function el(tag: string, props: { class?: string; text?: string; testid?: string; title?: string } = {}, children: (Node | string)[] = []): HTMLElement {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.testid) node.dataset.testid = props.testid;
  if (props.title) node.title = props.title;
  for (const child of children) node.append(child);
  return node;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
