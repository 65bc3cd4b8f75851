// The result grid: a plain themed table (fast for hundreds of rows, scrolls both ways in a narrow
// panel). Cells are text; NULL is shown as such; numbers align right.
import type { ResultPreview } from '../src/core/observability/events';
import { el } from './dom';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DECIMAL|NUMERIC|DOUBLE|FLOAT|REAL)/i;

export function resultGrid(result: ResultPreview): HTMLElement {
  const numeric = result.columns.map((c) => NUMERIC.test(c.type));
  const head = el('tr', {}, result.columns.map((c) => el('th', { title: c.type }, [el('span', { text: c.name }), el('span', { class: 'type', text: c.type })])));
  const body = el('tbody');
  for (const row of result.rows) {
    const tr = el('tr');
    row.forEach((value, i) => {
      const td = el('td', { class: numeric[i] ? 'num' : undefined });
      if (value === null) {
        td.textContent = 'NULL';
        td.classList.add('null');
      } else {
        td.textContent = typeof value === 'object' ? JSON.stringify(value) : String(value);
      }
      tr.append(td);
    });
    body.append(tr);
  }
  const count = `${result.rowCount}${result.truncated ? '+' : ''} row${result.rowCount === 1 ? '' : 's'}${result.truncated ? ' (preview capped)' : ''}`;
  return el('div', { class: 'grid', testid: 'result-grid' }, [
    el('div', { class: 'grid-scroll' }, [el('table', {}, [el('thead', {}, [head]), body])]),
    el('div', { class: 'grid-footer', text: count, testid: 'result-count' }),
  ]);
}
