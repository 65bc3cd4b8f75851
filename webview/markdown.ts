// Model answers are markdown: rendered with marked, then sanitised with DOMPurify against an
// explicit allowlist. Nothing that loads a resource survives (no images, media, frames, styles,
// forms, SVG, or any attribute but href on links), and links lose their href: each shows its real
// target and opens only through the host's confirmation (linkView.ts).
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { showInvisible } from '../src/core/protocol/visibleText';
import { linkView } from './linkView';

const ALLOWED_TAGS = ['p', 'br', 'hr', 'strong', 'em', 'b', 'i', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a'];
// `align` is what marked writes on table cells; `start` numbers a list. Neither can carry a URL.
const ALLOWED_ATTR = ['href', 'align', 'start'];
const LINK_SCHEMES = /^(?:https?|mailto):/i;

// A private instance: its hook applies to answers only.
const purifier = DOMPurify(window);
purifier.addHook('uponSanitizeAttribute', (node, data) => {
  if (data.attrName === 'href' && node.nodeName !== 'A') data.keepAttr = false;
});

export function renderMarkdown(text: string): DocumentFragment {
  const html = marked.parse(text, { async: false, gfm: true, breaks: false }) as string;
  const fragment = purifier.sanitize(html, {
    RETURN_DOM_FRAGMENT: true,
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: LINK_SCHEMES,
  });
  showInvisibleIn(fragment);
  for (const a of [...fragment.querySelectorAll('a')]) a.replaceWith(linkView(a.getAttribute('href'), a.textContent ?? ''));
  return fragment;
}

/** Bidi controls and invisible characters in the answer's text become visible codes. */
function showInvisibleIn(root: Node): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const shown = showInvisible(node.nodeValue ?? '');
    if (shown !== node.nodeValue) node.nodeValue = shown;
  }
}
