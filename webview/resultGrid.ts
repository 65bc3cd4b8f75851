// The result grid: a plain themed table (fast for hundreds of rows, scrolls both ways in a narrow
// panel). Sort by a header click, filter by text, select a cell to copy it, its row or its column;
// export what is shown as CSV or JSON. Display is formatted for reading (cellDisplay.ts); copy and
// export send the exact values to the host, which writes the clipboard or the file.
import { displayCell, isNumericType, type CellDisplay } from '../src/core/results/cellDisplay';
import { exactText } from '../src/core/results/exactText';
import { showInvisible } from '../src/core/protocol/visibleText';
import type { ResultPreview } from '../src/core/observability/events';
import { el } from './dom';
import { send } from './vscodeApi';

type Sort = { column: number; direction: 1 | -1 };

export function resultGrid(result: ResultPreview): HTMLElement {
  const { columns, rows } = result;
  const numeric = columns.map((c) => isNumericType(c.type));
  const shown: CellDisplay[][] = rows.map((row) => columns.map((c, i) => displayCell(row[i], c.type)));
  let sort: Sort | undefined;
  let filter = '';
  let selected: { row: number; column: number } | undefined;
  let visible: number[] = [];

  const filterInput = el('vscode-textfield', { testid: 'grid-filter' }) as HTMLElement & { value: string };
  filterInput.setAttribute('placeholder', 'Filter rows');
  const button = (text: string, testid: string, title: string, onClick: () => void) => {
    const b = el('vscode-button', { text, testid, title });
    b.setAttribute('secondary', '');
    b.addEventListener('click', onClick);
    return b;
  };
  const copyButtons = [
    button('Copy cell', 'grid-copy-cell', 'Copy the selected value exactly', () => copy('cell')),
    button('Copy row', 'grid-copy-row', 'Copy the selected row (tab-separated)', () => copy('row')),
    button('Copy column', 'grid-copy-column', 'Copy the selected column, shown rows only', () => copy('column')),
  ];
  const exportButtons = [
    button('CSV', 'grid-export-csv', 'Save the shown rows as CSV', () => exportAs('csv')),
    button('JSON', 'grid-export-json', 'Save the shown rows as JSON', () => exportAs('json')),
  ];

  const headers = columns.map((c, i) => {
    const th = el('th', { title: `${showInvisible(c.type)} · click to sort`, testid: 'grid-header' }, [el('span', { class: 'name', text: showInvisible(c.name) }), el('span', { class: 'type', text: showInvisible(c.type) })]);
    th.tabIndex = 0;
    const toggle = () => {
      sort = sort?.column !== i ? { column: i, direction: 1 } : sort.direction === 1 ? { column: i, direction: -1 } : undefined;
      render();
    };
    th.addEventListener('click', toggle);
    th.addEventListener('keydown', (e: KeyboardEvent) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggle()));
    return th;
  });
  const body = el('tbody');
  const table = el('table', {}, [el('thead', {}, [el('tr', {}, headers)]), body]);
  table.tabIndex = 0;
  const footer = el('div', { class: 'grid-footer', testid: 'result-count' });

  body.addEventListener('click', (event) => {
    const td = (event.target as Element).closest('td');
    if (!td?.dataset.row) return;
    selected = { row: Number(td.dataset.row), column: Number(td.dataset.column) };
    markSelection();
  });
  table.addEventListener('keydown', (event: KeyboardEvent) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c' && selected) {
      event.preventDefault();
      copy('cell');
    }
  });
  filterInput.addEventListener('input', () => {
    filter = filterInput.value.trim().toLowerCase();
    render();
  });

  function matches(index: number): boolean {
    if (!filter) return true;
    return rows[index].some((value, i) => exactText(value).toLowerCase().includes(filter) || shown[index][i].text.toLowerCase().includes(filter));
  }

  function render(): void {
    visible = rows.map((_, i) => i).filter(matches);
    if (sort) {
      const { column, direction } = sort;
      const compare = numeric[column] ? compareNumbers : compareText;
      visible.sort((a, b) => compareValues(rows[a][column], rows[b][column], compare, direction) || a - b);
    }
    headers.forEach((th, i) => th.setAttribute('aria-sort', sort?.column === i ? (sort.direction === 1 ? 'ascending' : 'descending') : 'none'));
    body.replaceChildren(...visible.map((r) => el('tr', {}, shown[r].map((cell, c) => {
      const td = el('td', { class: [numeric[c] ? 'num' : '', cell.kind === 'null' ? 'null' : ''].join(' ').trim() || undefined, text: cell.text });
      td.dataset.row = String(r);
      td.dataset.column = String(c);
      return td;
    }))));
    if (selected && !visible.includes(selected.row)) selected = undefined;
    markSelection();
    const total = `${result.rowCount}${result.truncated ? '+' : ''} row${result.rowCount === 1 ? '' : 's'}${result.truncated ? ' (preview capped)' : ''}`;
    footer.textContent = visible.length === rows.length ? total : `${visible.length} of ${total} shown`;
  }

  function markSelection(): void {
    for (const td of body.querySelectorAll('td.selected')) td.classList.remove('selected');
    if (selected) body.querySelector(`td[data-row="${selected.row}"][data-column="${selected.column}"]`)?.classList.add('selected');
    for (const b of copyButtons) selected ? b.removeAttribute('disabled') : b.setAttribute('disabled', '');
  }

  function copy(what: 'cell' | 'row' | 'column'): void {
    if (!selected) return;
    const { row, column } = selected;
    const values = what === 'cell' ? [[rows[row][column]]] : what === 'row' ? [rows[row]] : visible.map((r) => [rows[r][column]]);
    send({ type: 'gridCopy', rows: values });
  }

  function exportAs(format: 'csv' | 'json'): void {
    send({ type: 'gridExport', format, columns, rows: visible.map((r) => rows[r]) });
  }

  render();
  return el('div', { class: 'grid', testid: 'result-grid' }, [
    el('div', { class: 'grid-tools' }, [filterInput, ...copyButtons, ...exportButtons]),
    el('div', { class: 'grid-scroll' }, [table]),
    footer,
  ]);
}

type Compare = (a: unknown, b: unknown) => number;

/** NULL sorts last either way. */
function compareValues(a: unknown, b: unknown, compare: Compare, direction: 1 | -1): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compare(a, b) * direction;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const compareText: Compare = (a, b) => collator.compare(exactText(a), exactText(b));

/** Numbers by value; "NaN" above every number (as PostgreSQL sorts it), "-Infinity"/"Infinity" at the ends. */
const compareNumbers: Compare = (a, b) => {
  const x = numberOf(a);
  const y = numberOf(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? compareText(a, b) : Number.isNaN(x) ? 1 : -1;
  return x < y ? -1 : x > y ? 1 : compareText(a, b);
};

function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  const text = String(value).trim();
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}
