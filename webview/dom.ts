// Small DOM helpers. Everything from the model or the database is set as text, never as HTML;
// the one exception is the answer's markdown, which goes through DOMPurify (markdown.ts). Text and
// titles show bidi controls and invisible characters as codes, so what is read is what is there.
import { showInvisible } from '../src/core/protocol/visibleText';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: { class?: string; text?: string; testid?: string; title?: string }, children?: (Node | string)[]): HTMLElementTagNameMap[K];
export function el(tag: string, props?: { class?: string; text?: string; testid?: string; title?: string }, children?: (Node | string)[]): HTMLElement;
export function el(tag: string, props: { class?: string; text?: string; testid?: string; title?: string } = {}, children: (Node | string)[] = []): HTMLElement {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = showInvisible(props.text);
  if (props.testid) node.dataset.testid = props.testid;
  if (props.title) node.title = showInvisible(props.title);
  for (const child of children) node.append(child);
  return node;
}

/** Sets text the model or the data may have written, bidi and invisible characters shown as codes. */
export function setText(node: Node, text: string): void {
  node.textContent = showInvisible(text);
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
