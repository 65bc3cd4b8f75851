// SQL as the panel shows it. The exact text is what runs, is hashed, approved and audited; a
// formatted view (sql-formatter, per dialect) is for reading only and always says so. Approval
// cards keep the exact text in view and offer the formatted one beside it, never instead of it.
import { duckdb, formatDialect, postgresql, snowflake, type DialectOptions } from 'sql-formatter';
import { el } from './dom';

export type SqlDialect = 'duckdb' | 'postgres' | 'snowflake';

const DIALECTS: Record<SqlDialect, DialectOptions> = { duckdb, postgres: postgresql, snowflake };

/** The formatted text, or undefined when the formatter cannot parse it or changes nothing. */
export function formatSql(sql: string, dialect: SqlDialect): string | undefined {
  try {
    const formatted = formatDialect(sql, { dialect: DIALECTS[dialect], tabWidth: 2, keywordCase: 'preserve' });
    return formatted.trim() === sql.trim() ? undefined : formatted;
  } catch {
    return undefined;
  }
}

export interface SqlViewOptions {
  testid?: string;
  /** 'reading': formatted first, switchable to the exact text. 'exact': the exact text stays; the formatted view opens beside it. */
  mode: 'reading' | 'exact';
}

export function sqlView(sql: string, dialect: SqlDialect | undefined, options: SqlViewOptions): HTMLElement {
  const exact = el('pre', { class: 'sql', text: sql, testid: options.testid });
  const root = el('div', { class: 'sql-view' }, [exact]);
  const formatted = dialect ? formatSql(sql, dialect) : undefined;
  if (formatted === undefined) return root;

  const readable = el('pre', { class: 'sql formatted', text: formatted, testid: options.testid ? `${options.testid}-formatted` : undefined });
  const caption = el('div', { class: 'sql-caption' });
  const toggle = el('a', { class: 'sql-toggle', testid: options.testid ? `${options.testid}-toggle` : undefined });
  toggle.tabIndex = 0;
  toggle.setAttribute('role', 'button');
  root.append(caption, readable);
  let showFormatted = options.mode === 'reading';
  const render = () => {
    readable.hidden = !showFormatted;
    if (options.mode === 'reading') {
      exact.hidden = showFormatted;
      caption.replaceChildren(showFormatted ? 'Formatted for reading; it runs exactly as written. ' : 'Exactly as it runs. ', toggle);
      toggle.textContent = showFormatted ? 'Show as written' : 'Show formatted';
    } else {
      caption.replaceChildren(toggle, showFormatted ? ' The formatted view below is for reading only: what runs is the exact text above.' : '');
      toggle.textContent = showFormatted ? 'Hide formatted view' : 'Show formatted view (for reading)';
    }
  };
  const flip = (event: Event) => {
    event.preventDefault();
    showFormatted = !showFormatted;
    render();
  };
  toggle.addEventListener('click', flip);
  toggle.addEventListener('keydown', (event: KeyboardEvent) => (event.key === 'Enter' || event.key === ' ') && flip(event));
  render();
  return root;
}
