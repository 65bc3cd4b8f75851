// Bundles the front ends with esbuild: the extension's activation code, the engine it loads on
// first use, the CLI and the webview. The DuckDB native binding stays external: it ships in
// node_modules/@duckdb beside the bundles.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bundledPackageDirs, noticesFor } from './thirdPartyNotices.mjs';

const production = process.argv.includes('--production');
// metafile: the inputs of every bundle, for the third-party notices the VSIX ships.
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none', metafile: true };
// Shipped beside the bundles instead: DuckDB's native binding, libpg-query (loads its .wasm from
// its own folder), and pg's optional native client (never installed).
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', '@duckdb/node-api', 'libpg-query', '@guanmingchiu/sqlparser-ts', 'pg-native'] };

// The Snowflake driver is large (about 4 MB minified) and most users never open a Snowflake
// connection: it is its own file, required only when one opens. Its entry is the connector's
// driver module (the sdk plus the one driver internal the connector reads), so both come from
// the same copy of the driver.
const SNOWFLAKE_DRIVER_ENTRY = 'src/core/connectors/snowflake/sdk.ts';
const snowflakeDriverOnDemand = {
  name: 'snowflake-driver-on-demand',
  setup(b) {
    b.onResolve({ filter: /^snowflake-sdk(\/.*)?$/ }, () => ({ path: './snowflake-sdk.js', external: true }));
    b.onResolve({ filter: /(^|\/)sdk$/ }, (args) =>
      args.importer.replaceAll('\\', '/').includes('/src/core/connectors/snowflake/') ? { path: './snowflake-sdk.js', external: true } : undefined,
    );
  },
};
node.plugins = [snowflakeDriverOnDemand];

// PUT/GET are refused before the driver runs: its file transfer agent, and with it the AWS S3,
// Azure Blob and GCS clients only that agent uses, are replaced by a stub that throws a clear error.
const FILE_TRANSFER_REFUSED = resolve('scripts/snowflakeFileTransferRefused.cjs');
const snowflakeWithoutFileTransfer = {
  name: 'snowflake-without-file-transfer',
  setup(b) {
    b.onResolve({ filter: /\/file_transfer_agent\/file_transfer_agent(\.js)?$/ }, (args) =>
      args.importer.replaceAll('\\', '/').includes('/node_modules/snowflake-sdk/') ? { path: FILE_TRANSFER_REFUSED } : undefined,
    );
  },
};

rmSync('dist', { recursive: true, force: true });
const results = await Promise.all([
  // Activation time is measured from the first line of this bundle.
  build({ ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', banner: { js: 'var __pipewrightLoadStart = performance.now();' } }),
  build({ ...node, entryPoints: ['src/extension/engine.ts'], outfile: 'dist/engine.js' }),
  build({ ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' }),
  // The schema-linking worker runs beside the engine and the CLI (it indexes off the main thread).
  build({ ...node, entryPoints: ['src/core/catalog/linkWorkerMain.ts'], outfile: 'dist/linkWorker.js' }),
  build({ ...common, platform: 'node', format: 'cjs', target: 'node20', entryPoints: [SNOWFLAKE_DRIVER_ENTRY], outfile: 'dist/snowflake-sdk.js', plugins: [snowflakeWithoutFileTransfer] }),
  build({ ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js', platform: 'browser', format: 'esm', target: 'es2022', loader: { '.css': 'text' } }),
]);

// Packages shipped as they are beside the bundles: the ones .vscodeignore lets into the VSIX.
const shipped = readFileSync('.vscodeignore', 'utf8')
  .split('\n')
  .map((line) => /^!node_modules\/((?:@[^/]+\/)?[^/]+)\/\*\*$/.exec(line.trim())?.[1])
  .filter(Boolean)
  .map((name) => `${process.cwd()}/node_modules/${name}`);
const dirs = bundledPackageDirs(results.map((r) => r.metafile), process.cwd());
for (const dir of shipped) dirs.add(dir);
const notices = noticesFor(dirs, process.cwd());
writeFileSync('dist/THIRD_PARTY_NOTICES.md', notices.text);
