// The VSIX's third-party notices: every npm package esbuild bundles is listed with its licence
// text, read from real builds of two of our bundles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from 'esbuild';
// @ts-expect-error: a plain .mjs build script without types
import { bundledPackageDirs, noticesFor } from '../../scripts/thirdPartyNotices.mjs';

const root = process.cwd();

async function metafileOf(entry: string, platform: 'node' | 'browser') {
  const result = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, platform, format: 'esm', logLevel: 'silent', loader: { '.css': 'text' }, external: ['pg-native', 'libpg-query', '@guanmingchiu/sqlparser-ts', '@duckdb/node-api', 'snowflake-sdk'] });
  return result.metafile;
}

test('every bundled package is listed with its licence text', async () => {
  const metas = [await metafileOf('webview/main.ts', 'browser'), await metafileOf('src/core/connectors/postgres.ts', 'node')];
  const inputs = metas.flatMap((m) => Object.keys(m.inputs)).filter((i) => i.includes('node_modules/'));
  const names = new Set(inputs.map((i) => { const p = i.split('node_modules/').pop()!.split('/'); return p[0].startsWith('@') ? `${p[0]}/${p[1]}` : p[0]; }));
  assert.ok(names.has('dompurify') && names.has('marked') && names.has('pg'), [...names].join(', '));
  const notices = noticesFor(bundledPackageDirs(metas, root), root) as { text: string; packages: string[] };
  for (const name of names) assert.ok(notices.text.includes(`## ${name} `), `${name} missing from the notices`);
  // A package's section runs from its heading to the next package's heading (licence texts have headings of their own).
  const headings = notices.packages.map((p) => `\n## ${p.replace(/@(?=[^@]+$)/, ' ')}\n`);
  const section = (name: string) => {
    const at = headings.findIndex((h) => h.startsWith(`\n## ${name} `));
    const start = notices.text.indexOf(headings[at]);
    const end = at + 1 < headings.length ? notices.text.indexOf(headings[at + 1], start) : notices.text.length;
    return at < 0 ? '' : notices.text.slice(start, end);
  };
  assert.match(section('dompurify'), /Mozilla Public License/, 'the licence files themselves are copied');
  assert.match(section('marked'), /Permission is hereby granted/);
  // pgpass declares MIT and ships no licence file: the MIT text with its author stands in.
  assert.match(section('pgpass'), /Copyright \(c\) .+[\s\S]*Permission is hereby granted/);
});
