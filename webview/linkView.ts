// A link in an answer: its text may say anything, so the real target is what is shown and
// clicked. Clicking asks the host, which names the exact URL in a confirmation before opening it.
import { showInvisible } from '../src/core/protocol/visibleText';
import { el } from './dom';
import { send } from './vscodeApi';

const OPENABLE = new Set(['http:', 'https:', 'mailto:']);

/** The parsed, normalised target (punycode host, encoded path), or undefined if not openable. */
export function linkTarget(href: string | null): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href);
    return OPENABLE.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function linkView(href: string | null, text: string): HTMLElement {
  const target = linkTarget(href);
  const label = text.trim();
  if (!target) return el('span', { class: 'link-dead', text: label, title: 'Link removed: only http, https and mailto links can be opened' });
  const shownTarget = showInvisible(target);
  const open = el('a', { class: 'link-target', text: shownTarget, testid: 'answer-link', title: `Open ${shownTarget} (asks first)` });
  open.tabIndex = 0;
  open.setAttribute('role', 'link');
  const ask = (event: Event) => {
    event.preventDefault();
    send({ type: 'openLink', url: target });
  };
  open.addEventListener('click', ask);
  open.addEventListener('keydown', (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') ask(event);
  });
  // The text is kept as a label beside the target, unless it only repeats it.
  if (!label || label === target || label === href) return el('span', { class: 'link' }, [open]);
  return el('span', { class: 'link' }, [el('span', { class: 'link-label', text: label }), ' ', open]);
}
