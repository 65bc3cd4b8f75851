// A DELETE, UPDATE or MERGE counts as bounded (approve) only when its WHERE (or ON) compares a
// column of the written table with a constant, a parameter, a subquery or a joined table's column
// in a way that can be false; tautologies need the target typed (confirm), in every dialect.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSql, type SqlDialect } from '../../src/core/sql/guardrail';

type Case = [sql: string, decision: 'approve' | 'confirm', reason?: RegExp];

// Valid in all three dialects.
const COMMON: Case[] = [
  // never false
  ['DELETE FROM orders WHERE id = id', 'confirm', /its WHERE can never be false: id = id compares a column with itself/],
  ['UPDATE orders SET total = 0 WHERE id = id', 'confirm', /id = id compares a column with itself/],
  ['DELETE FROM orders WHERE 1 = 1', 'confirm', /1 = 1 compares only constants/],
  ["DELETE FROM orders WHERE 'a' = 'a'", 'confirm', /compares only constants/],
  ['DELETE FROM orders WHERE 2 > 1', 'confirm', /compares only constants/],
  ['DELETE FROM orders WHERE true', 'confirm', /constant/],
  ['DELETE FROM orders WHERE NOT false', 'confirm', /NOT false is a constant/],
  ['DELETE FROM orders WHERE x = x OR status = 1', 'confirm', /x = x compares a column with itself/],
  ['DELETE FROM orders WHERE col IS NULL OR col IS NOT NULL', 'confirm', /col IS NULL OR col IS NOT NULL together/],
  ['DELETE FROM orders WHERE id = id + 0', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders WHERE coalesce(x, 0) = coalesce(x, 0)', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders WHERE a = b', 'confirm', /compares columns of orders with each other/],
  ['DELETE FROM orders WHERE x = 1 OR x <> 1', 'confirm', /together may cover every row/],
  ['DELETE FROM orders WHERE x < 5 OR x >= 5', 'confirm', /together cover every value/],
  ['DELETE FROM orders WHERE x = 1 OR NOT (x = 1)', 'confirm', /cover/],
  ['DELETE FROM orders WHERE x NOT BETWEEN 1 AND 5 OR x BETWEEN 1 AND 5', 'confirm', /cover/],
  ['DELETE FROM orders WHERE 5 > x OR x > 3', 'confirm', /cover/],
  ['DELETE FROM orders WHERE active OR NOT active', 'confirm', /cover/],
  ['DELETE FROM orders WHERE (id = id) IS TRUE', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders WHERE (id = id) = true', 'confirm', /result of a condition/],
  ['DELETE FROM orders WHERE id IS NOT DISTINCT FROM id', 'confirm', /compares a column with itself/],
  ["DELETE FROM orders WHERE note LIKE '%'", 'confirm', /matches every value/],
  ["DELETE FROM orders WHERE note ILIKE '%%'", 'confirm', /matches every value/],
  ["DELETE FROM orders WHERE note SIMILAR TO '%'", 'confirm', /note SIMILAR TO '%' matches every value/],
  ['DELETE FROM orders WHERE EXISTS (SELECT 1 FROM s)', 'confirm', /same for every row/],
  ['DELETE FROM orders WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.k = 1)', 'confirm', /same for every row/],
  ['DELETE FROM orders o WHERE o.id = o.id', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders WHERE orders.id = id', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders', 'confirm', /without a WHERE/],
  // a subquery that reads the row being written is not a value independent of it
  ['DELETE FROM orders WHERE id IN (SELECT id)', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders WHERE id = (SELECT id)', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders WHERE id IN (SELECT orders.id FROM s)', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders WHERE id::text = id::text', 'confirm', /compares a column with itself/],
  ['DELETE FROM orders WHERE greatest(id, 0) = greatest(id, 0)', 'confirm', /greatest\(id, 0\) = greatest\(id, 0\) compares a column with itself/],
  ['DELETE FROM orders WHERE x IN (1) OR x NOT IN (1)', 'confirm', /cover/],
  ['DELETE FROM orders WHERE x >= 0 OR x < 0', 'confirm', /cover/],
  ['DELETE FROM orders WHERE x = 1 OR (x <> 1 AND y = 2)', 'confirm', /cover/],
  ["DELETE FROM orders WHERE d > '2024-01-01' OR d <= '2024-01-01'", 'confirm', /cover/],
  ['DELETE FROM orders WHERE CASE WHEN x = 1 THEN true ELSE true END', 'confirm', /computed condition/],
  // joins: the written table must be compared with the other one, not only the other with itself
  ['DELETE FROM orders USING s WHERE s.flag = 1', 'confirm', /tests only s.flag, not a column of orders/],
  ['DELETE FROM orders USING s WHERE id = s.id', 'confirm', /qualify it/],
  ['UPDATE orders SET total = 0 FROM s WHERE s.x = 1', 'confirm', /not a column of orders/],
  ['UPDATE orders SET total = 0 FROM s WHERE s.x = s.x', 'confirm'],
  ['MERGE INTO orders USING s ON true WHEN MATCHED THEN DELETE', 'confirm', /its ON and WHEN conditions can never be false/],
  ['MERGE INTO orders USING s ON 1 = 1 WHEN MATCHED THEN UPDATE SET total = 0', 'confirm'],
  ['MERGE INTO orders t USING s ON t.id = t.id WHEN MATCHED THEN DELETE', 'confirm'],
  // bounded
  ['DELETE FROM orders WHERE id = 5', 'approve'],
  ['UPDATE orders SET total = 0 WHERE id = 5', 'approve'],
  ['DELETE FROM orders WHERE id IN (SELECT id FROM old_orders)', 'approve'],
  ['DELETE FROM orders WHERE id = (SELECT max(id) FROM orders)', 'approve'],
  ["DELETE FROM orders WHERE created_at < now() - interval '1 day'", 'approve'],
  ["DELETE FROM orders WHERE status IN ('a', 'b')", 'approve'],
  ["DELETE FROM orders WHERE status = 'a' OR status = 'b'", 'approve'],
  ['DELETE FROM orders WHERE x < 5 OR x > 10', 'approve'],
  ['DELETE FROM orders WHERE x BETWEEN 1 AND 5', 'approve'],
  ['DELETE FROM orders WHERE x IS NULL', 'approve'],
  ['DELETE FROM orders WHERE active', 'approve'],
  ['DELETE FROM orders WHERE id = 1 AND x = x', 'approve'],
  ['DELETE FROM orders WHERE x = 1 OR y <> 2', 'approve'],
  ['DELETE FROM orders WHERE NOT (x = 1 AND y = 2)', 'approve'],
  ['DELETE FROM orders WHERE x > 0 OR x < 0', 'approve'],
  ["DELETE FROM orders WHERE lower(name) = 'bob'", 'approve'],
  ["DELETE FROM orders WHERE note LIKE 'a%'", 'approve'],
  ["DELETE FROM orders WHERE note SIMILAR TO 'a%'", 'approve'],
  ['DELETE FROM orders WHERE EXISTS (SELECT 1 FROM s WHERE s.id = orders.id)', 'approve'],
  ['DELETE FROM orders o WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.id = o.id)', 'approve'],
  ['DELETE FROM orders USING s WHERE orders.id = s.id', 'approve'],
  ['UPDATE orders SET total = s.total FROM s WHERE orders.id = s.id', 'approve'],
  ['MERGE INTO orders t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'approve'],
  ['MERGE INTO orders t USING s ON true WHEN MATCHED AND t.id = 3 THEN DELETE', 'approve'],
  ['MERGE INTO orders USING s ON 1 = 1 WHEN NOT MATCHED THEN INSERT VALUES (1)', 'approve'],
  // a subquery, derived table or CTE over the written table itself is a self-join
  ['DELETE FROM orders WHERE id <= (SELECT max(id) FROM orders)', 'confirm', /reads orders itself/],
  ['DELETE FROM orders a WHERE EXISTS (SELECT 1 FROM orders b WHERE b.id = a.id)', 'confirm', /reads a itself/],
  ['DELETE FROM orders WHERE id IN (SELECT id FROM (SELECT id FROM orders) z)', 'confirm', /reads orders itself/],
  ['DELETE FROM orders USING (SELECT * FROM (SELECT id FROM orders) z) u WHERE orders.id = u.id', 'confirm', /subquery over orders itself/],
  ['WITH u AS (SELECT id FROM orders) DELETE FROM orders USING u WHERE orders.id = u.id', 'confirm', /subquery over orders itself/],
  ['WITH u AS (SELECT id FROM orders), w AS (SELECT id FROM u) DELETE FROM orders WHERE id IN (SELECT id FROM w)', 'confirm', /reads orders itself/],
  ['WITH u AS (SELECT id FROM customers) DELETE FROM orders USING u WHERE orders.id = u.id', 'approve'],
  ['DELETE FROM orders WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.customer_id)', 'approve'],
  // only a column itself (or its case or spaces changed, selected by a value) is known to be selective
  ['DELETE FROM orders WHERE abs(id) >= 0', 'confirm', /computed from orders's columns/],
  ['DELETE FROM orders WHERE id * 0 = 0', 'confirm', /computed from orders's columns/],
  ["DELETE FROM orders WHERE lower(note) >= ''", 'confirm', /computed from orders's columns/],
  ["DELETE FROM orders WHERE (id - id, note) = (0, 'a')", 'confirm', /computed from orders's columns/],
  ["DELETE FROM orders WHERE (id, note) IN ((1, 'a'), (2, 'b'))", 'approve'],
  ["DELETE FROM orders WHERE upper(note) = 'A'", 'approve'],
  // the twins of IS NOT NULL
  ['DELETE FROM orders WHERE NOT (id IS NULL)', 'confirm', /true for every row where id has a value/],
  ['DELETE FROM orders WHERE id IS DISTINCT FROM NULL', 'confirm', /true for every row where id has a value/],
  // patterns: only a plain literal is read; SIMILAR TO is bounded only when some string fails it
  ["DELETE FROM orders WHERE note LIKE concat('%', '')", 'confirm', /not a plain string literal/],
  ["DELETE FROM orders WHERE note SIMILAR TO '(a|%)'", 'confirm', /matches every value/],
  ["DELETE FROM orders WHERE note SIMILAR TO 'a%'", 'approve'],
  ["DELETE FROM orders WHERE note SIMILAR TO '%_'", 'approve'],
  // WHEN NOT MATCHED BY SOURCE: the ON does not bound it, its own condition does
  ["MERGE INTO orders USING s ON orders.id = s.id WHEN NOT MATCHED BY SOURCE THEN UPDATE SET note = 'a'", 'confirm', /without a condition/],
  ['MERGE INTO orders USING s ON orders.id = s.id WHEN NOT MATCHED BY SOURCE AND orders.id = 3 THEN DELETE', 'approve'],
];

const BY_DIALECT: Record<SqlDialect, Case[]> = {
  postgres: [
    ...COMMON,
    ['DELETE FROM orders WHERE id = $1', 'approve'],
    ['UPDATE orders SET a = 1 WHERE CURRENT OF c', 'approve'],
    ['DELETE FROM orders WHERE id = ANY($1)', 'approve'],
    ['DELETE FROM orders WHERE id = ANY(ARRAY[id])', 'confirm', /compares a column with itself/],
    ['DELETE FROM orders WHERE $1 = $1', 'confirm', /compares only constants/],
    ['WITH d AS (DELETE FROM orders WHERE 1 = 1 RETURNING *) SELECT * FROM d', 'confirm', /1 = 1/],
    ['DELETE FROM orders WHERE x BETWEEN SYMMETRIC 1 AND 5', 'approve'],
    // DuckDB's parser refuses a custom escape in SIMILAR TO.
    ["DELETE FROM orders WHERE note SIMILAR TO '%%' ESCAPE '#'", 'confirm', /not a plain string literal/],
    ["DELETE FROM orders WHERE note LIKE '%%' ESCAPE '#'", 'confirm', /not a plain string literal/],
    ["DELETE FROM orders WHERE note LIKE ANY (ARRAY['%'])", 'confirm', /not a plain string literal/],
    ["DELETE FROM orders WHERE note ~ ''", 'confirm', /matches every value/],
    ["DELETE FROM orders WHERE note ~ 'a*'", 'confirm', /matches every value/],
    ["DELETE FROM orders WHERE note ~ '^a'", 'approve'],
  ],
  snowflake: [
    ...COMMON,
    ['DELETE FROM orders WHERE id = ?', 'approve'],
    ['DELETE FROM orders WHERE id = :1', 'approve'],
    ['DELETE FROM orders WHERE ? = ?', 'confirm', /compares only constants/],
    ["DELETE FROM orders WHERE note RLIKE '.*'", 'confirm', /matches every value/],
    ["DELETE FROM orders WHERE note REGEXP 'ab'", 'approve'],
  ],
  duckdb: [
    ...COMMON,
    ['DELETE FROM orders WHERE id = ?', 'approve'],
    ['DELETE FROM orders WHERE id = $1', 'approve'],
    ['DELETE FROM orders WHERE ? = ?', 'confirm', /compares only constants/],
  ],
};

for (const [dialect, cases] of Object.entries(BY_DIALECT) as [SqlDialect, Case[]][]) {
  describe(`bounded WHERE, ${dialect}`, () => {
    for (const [sql, decision, reason] of cases) {
      test(`${decision}: ${sql}`, async () => {
        const verdict = await checkSql(dialect, sql);
        assert.equal(verdict.decision, decision, `${sql}\n${verdict.reasons.join('\n')}`);
        if (reason) assert.match(verdict.reasons[0] ?? '', reason);
        assert.ok(verdict.targets.includes('orders'), `targets: ${verdict.targets.join(', ')}`);
      });
    }
  });
}
