// Finds module references to 'vscode' in TypeScript source: static imports (incl. side-effect and
// type-only), re-exports, require(), `import x = require()` and dynamic import(). Only the exact
// module name counts: 'vscode-uri' or '@types/vscode' are other packages.
const PATTERNS: RegExp[] = [
  /\bfrom\s*(['"`])vscode\1/g, // import ... from 'vscode' / export ... from 'vscode'
  /\bimport\s*(['"`])vscode\1/g, // import 'vscode'
  /\brequire\s*\(\s*(['"`])vscode\1\s*\)/g, // require('vscode'), import x = require('vscode')
  /\bimport\s*\(\s*(['"`])vscode\1\s*\)/g, // import('vscode')
];

/** Returns each offending snippet (empty when the source does not reference 'vscode'). */
export function findVscodeImports(source: string): string[] {
  const hits: string[] = [];
  for (const pattern of PATTERNS) {
    for (const match of source.matchAll(pattern)) hits.push(match[0]);
  }
  return hits;
}
