// The panel's formatted SQL view (display only): per dialect, whitespace-only changes, and no
// formatted view when the formatter cannot parse the text (the exact text is then all there is).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatSql } from '../../webview/sqlView';

const squeeze = (text: string) => text.replace(/\s+/g, '');

describe('formatSql', () => {
  test('formats each dialect and changes only whitespace', () => {
    const cases: [Parameters<typeof formatSql>[1], string][] = [
      ['duckdb', "SELECT c.id, sum(x) AS revenue FROM orders o JOIN customers c USING (id) WHERE o.status = 'completed  now' GROUP BY ALL ORDER BY revenue DESC LIMIT 5"],
      ['postgres', "select id, payload->>'k' as k, x::numeric(12,2) from crm.accounts where region = any($1) -- keep  this\norder by 1"],
      ['snowflake', 'select $$a  b$$ as t, x from db.s.t qualify row_number() over (partition by a order by b) = 1'],
    ];
    for (const [dialect, sql] of cases) {
      const formatted = formatSql(sql, dialect);
      assert.ok(formatted && formatted.includes('\n'), `${dialect} is formatted`);
      assert.equal(squeeze(formatted), squeeze(sql), `${dialect}: only whitespace changed`);
    }
  });

  test('literals and comments keep their inner spacing', () => {
    const formatted = formatSql("SELECT 'a   b' AS s /* two  spaces */", 'duckdb') ?? '';
    assert.ok(formatted.includes("'a   b'") && formatted.includes('/* two  spaces */'), formatted);
  });

  test('no formatted view for text the formatter cannot parse, or that it leaves as is', () => {
    assert.equal(formatSql('SELEC FROM ((', 'postgres'), undefined);
    assert.equal(formatSql('SELECT\n  1', 'duckdb'), undefined);
  });
});
