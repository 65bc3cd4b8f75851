// src/core must run without VS Code (CLI, tests): no file under it may import the 'vscode' module.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findVscodeImports } from '../support/vscodeImports';

const ROOT = join(__dirname, '..', '..');
const CORE = join(ROOT, 'src', 'core');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.isFile() && entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('layering', () => {
  // The detector flags every import form of 'vscode' and nothing else.
  test('the detector recognises vscode imports and only those', () => {
    const flagged = [
      `import * as vscode from 'vscode';`,
      `const vscode = await import("vscode");`,
      `import type { Uri } from 'vscode';`,
      `import {\n  window,\n  commands,\n} from "vscode";`,
      `import 'vscode';`,
      `export { Uri } from 'vscode';`,
      `const vscode = require('vscode');`,
      `import vscode = require( 'vscode' );`,
      'const lazy = () => import(`vscode`);',
    ];
    for (const source of flagged) assert.equal(findVscodeImports(source).length, 1, `should flag: ${source}`);
    const clean = [
      `import x from 'vscode-uri';`,
      `import { LanguageClient } from 'vscode-languageclient/node';`,
      `import type { Foo } from '@types/vscode';`,
      `const provider = 'vscode-lm';`,
      `// VS Code's language models live in src/extension`,
      `import { z } from 'zod';`,
    ];
    for (const source of clean) assert.deepEqual(findVscodeImports(source), [], `should not flag: ${source}`);
  });

  // No module under src/core references 'vscode' in any form.
  test('no file under src/core imports vscode', () => {
    const files = tsFiles(CORE);
    assert.ok(files.length >= 10, `expected the core sources, found ${files.length}`);
    assert.ok(files.some((f) => f.endsWith(join('agents', 'askAgent.ts'))), 'the walk reaches nested folders');
    const offenders = files.flatMap((file) =>
      findVscodeImports(readFileSync(file, 'utf8')).map((hit) => `${relative(ROOT, file)}: ${hit}`),
    );
    assert.deepEqual(offenders, []);
  });

  // The check is meaningful: the extension layer, which must use VS Code, is flagged by the same detector.
  test('the extension layer is detected as using vscode', () => {
    const extension = readFileSync(join(ROOT, 'src', 'extension', 'extension.ts'), 'utf8');
    assert.ok(findVscodeImports(extension).length > 0);
  });
});
