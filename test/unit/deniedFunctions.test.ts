// Every entry of the denied-function list (src/core/sql/deniedFunctions.ts): its example statement
// is denied for that entry's reason, however the name is spelled (any case, schema-qualified,
// quoted), and the function really exists: PostgreSQL in pg_proc of the real test server (with
// the extensions it ships created), DuckDB in duckdb_functions(). A typo in the list fails here.
// Snowflake has no real engine here: its entries are checked against the guardrail only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DUCKDB_DENIED, POSTGRES_DENIED, SNOWFLAKE_DENIED, type DeniedFunction } from '../../src/core/sql/deniedFunctions';
import { deniedFunction } from '../../src/core/sql/functionRules';
import { checkSql, type SqlDialect } from '../../src/core/sql/guardrail';
import { startPostgres, type TestPostgres } from '../support/postgresServer';

const LISTS: [SqlDialect, DeniedFunction[]][] = [
  ['postgres', POSTGRES_DENIED],
  ['duckdb', DUCKDB_DENIED],
  ['snowflake', SNOWFLAKE_DENIED],
];

/** The names an entry stands for: its members, or the function itself. */
const namesOf = (entry: DeniedFunction): string[] => entry.family ?? [entry.name];

// Spellings of a call the parser must resolve to the same function.
function spellings(dialect: SqlDialect, name: string): string[] {
  const schema = dialect === 'postgres' ? 'pg_catalog' : dialect === 'duckdb' ? 'main' : 'db.public';
  // Snowflake stores unquoted names in upper case; PostgreSQL and DuckDB in lower case.
  const quoted = dialect === 'snowflake' ? name.toUpperCase() : name;
  return [`SELECT ${name.toUpperCase()}(1)`, `SELECT ${schema}.${name}(1)`, `SELECT "${quoted}"(1)`, `SELECT * FROM t WHERE x = (SELECT ${name}(1))`];
}

for (const [dialect, entries] of LISTS) {
  describe(`denied functions, ${dialect}`, () => {
    test('each name is listed once, in lower case, with a reason and an example', () => {
      const seen = new Set<string>();
      for (const entry of entries) {
        assert.equal(entry.name, entry.name.toLowerCase());
        assert.ok(!seen.has(entry.name), `${entry.name} is listed twice`);
        seen.add(entry.name);
        assert.ok(entry.reason.length > 10 && entry.example.length > 0, entry.name);
        for (const member of entry.family ?? []) assert.ok(member.startsWith(entry.name), `${member} does not start with ${entry.name}`);
      }
    });
    for (const entry of entries) {
      test(`${entry.category}: ${entry.name}${entry.family ? '*' : ''} is denied, however it is spelled`, async () => {
        const verdict = await checkSql(dialect, entry.example);
        assert.equal(verdict.decision, 'deny', `${entry.example}\n${verdict.reasons.join('\n')}`);
        assert.ok(verdict.reasons.some((r) => r.endsWith(entry.reason)), `${entry.example}: ${verdict.reasons.join(' / ')}`);
        for (const name of namesOf(entry)) {
          assert.equal(deniedFunction(dialect, name), entry, name);
          for (const sql of spellings(dialect, name)) {
            const v = await checkSql(dialect, sql);
            assert.equal(v.decision, 'deny', `${sql}: ${v.reasons.join(' / ')}`);
            assert.ok(v.reasons.some((r) => r.endsWith(entry.reason)), `${sql}: ${v.reasons.join(' / ')}`);
          }
        }
      });
    }
  });
}

describe('denied functions exist in PostgreSQL', () => {
  let server: TestPostgres;
  const names = new Set<string>();
  const created = new Set<string>();
  before(async () => {
    server = await startPostgres();
    for (const extension of new Set(POSTGRES_DENIED.flatMap((e) => (e.extension ? [e.extension] : [])))) {
      const shipped = await server.sql('SELECT 1 FROM pg_available_extensions WHERE name = $1', [extension]);
      if (shipped.rowCount === 0) continue;
      await server.sql(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
      created.add(extension);
    }
    for (const row of (await server.sql('SELECT DISTINCT proname FROM pg_proc')).rows) names.add(row.proname);
  });
  after(async () => server?.stop());

  for (const entry of POSTGRES_DENIED) {
    test(`${entry.name}${entry.family ? '*' : ''} exists`, (t) => {
      if (entry.extension && !created.has(entry.extension)) {
        t.diagnostic(`extension ${entry.extension} is not shipped with this server: checked by name only`);
        return;
      }
      for (const name of namesOf(entry)) assert.ok(names.has(name), `${name} is not a function in pg_proc`);
    });
  }
});

describe('denied functions exist in DuckDB', () => {
  const names = new Set<string>();
  before(async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await connection.runAndReadAll('SELECT DISTINCT function_name FROM duckdb_functions()')).getRows();
    for (const [name] of rows) names.add(String(name));
    connection.closeSync();
  });

  for (const entry of DUCKDB_DENIED) {
    test(`${entry.name}${entry.family ? '*' : ''} exists`, (t) => {
      if (entry.extension) {
        t.diagnostic(`${entry.extension} is not loaded here (extensions are locked out): checked by name only`);
        return;
      }
      for (const name of namesOf(entry)) assert.ok(names.has(name), `${name} is not in duckdb_functions()`);
    });
  }
});
