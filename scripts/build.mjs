// Bundles the three front ends with esbuild: the extension host, the CLI and the webview.
// The DuckDB native binding stays external: it ships in node_modules/@duckdb beside the bundle.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };

rmSync('dist', { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    // Activation time is measured from the first line of the bundle.
    banner: { js: 'var __pipewrightLoadStart = performance.now();' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', '@duckdb/node-api'],
  }),
  build({
    ...common,
    entryPoints: ['src/extension/engine.ts'],
    outfile: 'dist/engine.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', '@duckdb/node-api'],
  }),
  build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@duckdb/node-api'],
  }),
  build({
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview/main.js',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    loader: { '.css': 'text' },
  }),
]);
