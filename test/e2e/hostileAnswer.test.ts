// A malicious model in a real VS Code (code-server) and a real browser: its answer and its query
// carry every way we know to make a page fetch something, all aimed at a loopback listener on
// another port (directly, and through code-server's own /proxy/PORT/ route). The listener must
// receive nothing; links show their real target and open only after a confirmation naming it;
// bidi overrides show as codes in the answer, the tool card, the grid and the final SQL.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { startScriptedModel, type ScriptedModel } from '../support/scriptedModelServer';
import { askInPanel, openPanelWithKey, startCodeServer, waitFor, type CodeServer, testWithEvidence } from './codeServer';

const OUT = join(__dirname, '..', '..', 'test-output', 'e2e');
const RLO = '\u202E';

/** Every request the trap listener gets, by path. */
interface Trap { server: Server; port: number; paths: string[] }

async function startTrap(): Promise<Trap> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

/** The answer: markup that loads something, in every form the issue and we could think of. */
function hostileAnswer(port: number): string {
  const direct = `http://127.0.0.1:${port}`;
  const proxied = `/proxy/${port}`;
  return [
    'Here is what I found.',
    '',
    `<table background="${proxied}/table-background"><tr><td background="${direct}/td-background">cell</td></tr></table>`,
    '',
    `<img src="${direct}/img"> <img srcset="${proxied}/srcset 1x, ${direct}/srcset2 2x"> <img src="x" onerror="fetch('${proxied}/onerror')">`,
    `<picture><source srcset="${proxied}/picture-source"><img src="${proxied}/picture-img"></picture>`,
    `<svg><image href="${proxied}/svg-image"></image><image xlink:href="${direct}/svg-xlink"></image><use href="${proxied}/svg-use#x"></use></svg>`,
    `<video poster="${proxied}/video-poster" src="${direct}/video"></video><audio src="${proxied}/audio"></audio>`,
    `<link rel="prefetch" href="${proxied}/prefetch"><link rel="preload" as="image" href="${direct}/preload"><link rel="stylesheet" href="${proxied}/stylesheet">`,
    `<meta http-equiv="refresh" content="0;url=${proxied}/meta-refresh">`,
    `<div style="background-image:url(${proxied}/css-url)">styled</div><span style="background:url('${direct}/css-url-2')">x</span>`,
    `<style>@import url(${proxied}/style-import); body { background: url(${proxied}/style-tag); }</style>`,
    `<form action="${proxied}/form"><input type="image" src="${proxied}/input-image"><input type="submit" formaction="${direct}/formaction"><button formaction="${proxied}/button">go</button></form>`,
    `<object data="${proxied}/object"></object><embed src="${direct}/embed"><iframe src="${proxied}/iframe"></iframe>`,
    `<body background="${proxied}/body-background"><base href="${direct}/base/">`,
    `<a href="javascript:fetch('${proxied}/javascript')">a javascript link</a> <a href="${proxied}/relative">a relative link</a>`,
    '',
    `![a chart](${proxied}/markdown-image) and a [docs link](https://docs.example.com/guide) that is honest.`,
    '',
    `Read [https://docs.example.com/guide](${direct}/disguised) for details.`,
    '',
    `The status is: ok ${RLO}deliaf${'\u202C'} and more ${RLO}unclosed`,
  ].join('\n');
}

describe('a hostile answer in a real VS Code', () => {
  let trap: Trap;
  let model: ScriptedModel;
  let vscode: CodeServer;
  let run: Awaited<ReturnType<typeof askInPanel>>;
  const probes: string[] = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    trap = await startTrap();
    const sql = `SELECT 'ok ${RLO}deliaf' AS "status${RLO}", '<img src="/proxy/${trap.port}/cell">' AS "<img src=/proxy/${trap.port}/column>"`;
    model = await startScriptedModel((request) => {
      const turns = request.body.messages.filter((m) => m.role === 'tool').length;
      return turns === 0 ? { toolCalls: [{ name: 'run_sql', arguments: { sql } }] } : { text: hostileAnswer(trap.port) };
    });
    vscode = await startCodeServer({ settings: { 'pipewright.model.baseUrl': model.baseUrl, 'pipewright.model.name': 'scripted-model' } });
  });

  after(async () => {
    await vscode?.close();
    await model?.close();
    await new Promise((resolve) => trap?.server.close(resolve));
  });

  const test = testWithEvidence(OUT, '', () => vscode, () => `\ntrap: ${trap.paths.join('\n')}`);

  /** A request from the workbench page through code-server's proxy: it reaches the trap, so the trap would see any fetch. */
  async function probe(name: string): Promise<void> {
    probes.push(`/${name}`);
    await vscode.page.evaluate(async (path) => { await fetch(path); }, `/proxy/${trap.port}/${name}`);
    await waitFor(() => trap.paths.includes(`/${name}`), 10_000, () => `the probe ${name} did not reach the trap: ${trap.paths.join(', ')}`);
  }

  const hostileRequests = () => trap.paths.filter((p) => !probes.includes(p));

  test('the answer renders and the panel fetches nothing from any origin', async () => {
    await probe('probe-before');
    await openPanelWithKey(vscode, 'sk-e2e-hostile');
    run = await askInPanel(vscode, 'show me the status');
    const answer = run.locator('[data-testid="answer"]');
    await answer.waitFor();
    // Loads start when markup is inserted; a later request through the same route comes back after them.
    await probe('probe-after-render');
    assert.deepEqual(hostileRequests(), [], 'the trap received requests from the panel');

    // What survived the sanitizer: only text and structure, no element that loads anything, no URL attribute.
    const tags = await answer.locator('*').evaluateAll((nodes) => [...new Set(nodes.map((n) => n.tagName.toLowerCase()))]);
    for (const tag of tags) assert.ok(['p', 'table', 'thead', 'tbody', 'tr', 'td', 'th', 'a', 'span', 'div', 'strong', 'em', 'code', 'br'].includes(tag), `unexpected <${tag}> in the answer`);
    const attributes = await answer.locator('*').evaluateAll((nodes) => [...new Set(nodes.flatMap((n) => [...n.attributes].map((a) => a.name)))]);
    for (const name of attributes) assert.ok(['class', 'data-testid', 'title', 'tabindex', 'role', 'align', 'start'].includes(name), `unexpected attribute ${name} in the answer`);
    assert.equal(await answer.locator('[href], [src], [srcset], [background], [poster], [style], [action], [formaction]').count(), 0);

    // The panel's CSP allows no images, fonts or frames from anywhere.
    const csp = await vscode.panel.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp ?? '', /img-src 'none'/);
    assert.doesNotMatch(csp ?? '', /img-src [^;]*(https?:|data:|\*)/);
    await vscode.page.screenshot({ path: join(OUT, 'hostile-answer.png') });
  });

  test('bidi overrides show as codes in the answer, the tool card, the grid and the final SQL', async () => {
    const panelText = await vscode.panel.locator('body').innerText();
    assert.ok(!panelText.includes(RLO), 'no raw right-to-left override is displayed anywhere in the panel');
    assert.match(await run.locator('[data-testid="answer"]').innerText(), /ok <U\+202E>deliaf<U\+202C> and more <U\+202E>unclosed/);
    assert.match(await run.locator('[data-testid="tool-sql"]').innerText(), /'ok <U\+202E>deliaf' AS "status<U\+202E>"/);
    const grid = run.locator('[data-testid="result-grid"]');
    assert.equal(await grid.locator('tbody td').first().innerText(), 'ok <U+202E>deliaf');
    assert.match(await grid.locator('th').first().innerText(), /^status<U\+202E>/);
    // Markup in data is text: the cell and column name show it, nothing is fetched.
    assert.equal(await grid.locator('tbody td').nth(1).innerText(), `<img src="/proxy/${trap.port}/cell">`);
    assert.match(await run.locator('[data-testid="final-sql"] pre').first().textContent() ?? '', /status<U\+202E>/);
  });

  test('each link shows its real target, and opens only after a confirmation naming it (Cancel opens nothing)', async () => {
    const links = run.locator('[data-testid="answer-link"]');
    // javascript: and relative links are dead text; the two http(s) links show their targets.
    assert.deepEqual(await links.allInnerTexts(), ['https://docs.example.com/guide', `http://127.0.0.1:${trap.port}/disguised`]);
    const disguised = links.nth(1);
    // The text that pretends to be a URL stays, but beside the real target.
    assert.equal(await disguised.locator('xpath=..').innerText(), `https://docs.example.com/guide http://127.0.0.1:${trap.port}/disguised`);
    assert.match(await run.locator('[data-testid="answer"]').innerText(), /a javascript link a relative link/);

    await disguised.click();
    const dialog = vscode.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.innerText(), new RegExp(`Open this link from the answer\\?[\\s\\S]*http://127\\.0\\.0\\.1:${trap.port}/disguised`));
    assert.match(await dialog.innerText(), new RegExp(`Host: 127\\.0\\.0\\.1:${trap.port}`));
    await vscode.page.screenshot({ path: join(OUT, 'hostile-link-confirmation.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await probe('probe-after-cancel');
    assert.deepEqual(hostileRequests(), [], 'nothing was fetched after Cancel');
    assert.equal(vscode.page.context().pages().length, 1, 'no new tab was opened');
  });
});
