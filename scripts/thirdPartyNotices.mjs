// Third-party notices for what the VSIX ships: every npm package esbuild bundled into dist/ (read
// from the builds' metafiles) and the packages shipped as they are beside the bundles. Each entry
// gives the package's name, version, declared licence and the full text of its licence files, as
// MIT, BSD and Apache-2.0 require of a redistribution.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([-._].*)?$/i;

// For packages that declare MIT but ship no licence file: the licence's own text, with the author
// the package names as the copyright holder. Other licences are named with their SPDX page.
const MIT_TEXT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.`;

function authorOf(pkg) {
  const a = pkg.author;
  return typeof a === 'string' ? a : a?.name ?? 'its authors';
}

/**
 * The folder of the npm package that holds `file`: the folder right under its last node_modules
 * (two levels for a scoped name). Nested package.json files (a package's dist/) are not roots.
 */
function packageRoot(file, root) {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const depth = parts[at + 1].startsWith('@') ? 2 : 1;
  const dir = join(root, ...parts.slice(0, at + 1 + depth));
  return existsSync(join(dir, 'package.json')) ? dir : undefined;
}

/** Package folders of every node_modules input of the given esbuild metafiles. */
export function bundledPackageDirs(metafiles, root) {
  const dirs = new Set();
  for (const meta of metafiles) {
    for (const input of Object.keys(meta.inputs)) {
      if (!input.split(/[\\/]/).includes('node_modules')) continue;
      const dir = packageRoot(input, root);
      if (dir) dirs.add(dir);
    }
  }
  return dirs;
}

/** The notices document for the given package folders, sorted by name. */
export function noticesFor(dirs, root) {
  const entries = [...dirs].map((dir) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const files = readdirSync(dir).filter((f) => LICENSE_FILE.test(f)).sort();
    const texts = files.map((f) => readFileSync(join(dir, f), 'utf8').trim());
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'see its licence files');
    return { name: pkg.name, version: pkg.version, license, author: authorOf(pkg), where: relative(root, dir).split(sep).join('/'), texts };
  });
  // The same package at two versions (nested copies) is listed twice: both ship.
  const unique = new Map(entries.map((e) => [`${e.name}@${e.version}`, e]));
  const sorted = [...unique.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  const missing = sorted.filter((e) => e.texts.length === 0).map((e) => `${e.name}@${e.version}`);
  const parts = [
    '# Third-party notices',
    '',
    'Pipewright ships the following npm packages, bundled into its JavaScript files or beside them.',
    'Each is listed with its version, its declared licence and the text of its licence files.',
    '',
  ];
  for (const e of sorted) {
    parts.push(`## ${e.name} ${e.version}`, '', `Licence: ${e.license}`, '');
    if (e.texts.length === 0 && e.license === 'MIT') parts.push('```text', `Copyright (c) ${e.author}`, '', MIT_TEXT, '```', '');
    else if (e.texts.length === 0) parts.push(`The package ships no licence file; it declares ${e.license}: https://spdx.org/licenses/${encodeURIComponent(e.license)}.html`, '');
    for (const text of e.texts) parts.push('```text', text.replace(/```/g, "'''"), '```', '');
  }
  return { text: parts.join('\n'), packages: sorted.map((e) => `${e.name}@${e.version}`), missing };
}
