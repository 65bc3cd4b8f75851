// Audit trail cost: per-append latency of a realistic tool-call record (redaction included, awaited
// one at a time as the agent does), and verify throughput on a 100k-line file.
// `node --import tsx bench/auditBench.ts` prints the figures; bench/run.ts calls benchAudit().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, verifyAuditLog, type AuditLogOptions } from '../src/core/observability/auditLog';
import { FileAnchorStore } from '../src/core/observability/auditAnchorFile';
import { auditKeyFromText } from '../src/core/observability/auditKey';
import { redact } from '../src/core/observability/redact';
import { median, percentile } from './stats';

const APPENDS = 1_000;
const VERIFY_LINES = 100_000;
const SECRETS = ['sk-bench-0123456789abcdef', 'hunter2-password'];

const toolCall = (i: number) => ({
  runId: 'run-4f9c2a',
  callId: `call_${i}`,
  tool: 'run_sql',
  decision: 'allow',
  approval: 'not-needed',
  connection: { id: 'warehouse', label: 'Analytics warehouse', dialect: 'postgres', environment: 'prod' },
  sql: `SELECT c.customer_id, c.name, sum(o.amount) AS revenue\nFROM sales.orders o JOIN sales.customers c USING (customer_id)\nWHERE o.ordered_at >= date '2025-01-01' AND o.id > ${i}\nGROUP BY 1, 2 ORDER BY revenue DESC LIMIT 50`,
  rows: 50,
  truncated: false,
  durationMs: 42.7,
  outcome: 'ok',
});

/** Median and p95 of one append, in µs, over APPENDS awaited appends to a fresh file. */
async function measureAppends(dir: string, sync: boolean, extra: Pick<AuditLogOptions, 'anchors' | 'key'> = {}): Promise<{ median: number; p95: number }> {
  const log = await AuditLog.open(join(dir, `append-${Date.now()}-${Math.random()}.jsonl`), { redact: (s) => redact(s, SECRETS), sync, ...extra });
  const times: number[] = [];
  for (let i = 0; i < APPENDS; i++) {
    const start = performance.now();
    await log.append('tool.finished', toolCall(i));
    times.push((performance.now() - start) * 1000);
  }
  await log.close();
  return { median: median(times), p95: percentile(times, 95) };
}

/** `anchored`: the CLI's sidecar anchor after every append; `keyed`: HMAC-SHA256 lines as well. */
export async function benchAudit(runs: number, options: { sync?: boolean; anchored?: boolean; keyed?: boolean } = {}): Promise<{ appendMedianUs: number; appendP95Us: number; verifyLinesPerSec: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-audit-bench-'));
  const extra: Pick<AuditLogOptions, 'anchors' | 'key'> = {
    ...(options.anchored ? { anchors: new FileAnchorStore(join(dir, 'anchors')) } : {}),
    ...(options.keyed ? { key: auditKeyFromText('bench-key-0123456789abcdefghijklmnopqrstuvwxyz') } : {}),
  };
  try {
    const appends: { median: number; p95: number }[] = [];
    for (let r = 0; r < runs; r++) appends.push(await measureAppends(dir, options.sync ?? false, extra));

    // The big file is written in concurrent batches (one write per batch) to keep setup short.
    const big = join(dir, 'big.jsonl');
    const log = await AuditLog.open(big, { key: extra.key });
    for (let i = 0; i < VERIFY_LINES; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => log.append('tool.finished', toolCall(i + j))));
    await log.close();
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      const result = await verifyAuditLog(big, { key: extra.key });
      const seconds = (performance.now() - start) / 1000;
      if (!result.ok || result.lines !== VERIFY_LINES) throw new Error(`verify failed: ${JSON.stringify(result)}`);
      rates.push(VERIFY_LINES / seconds);
    }
    return {
      appendMedianUs: median(appends.map((a) => a.median)),
      appendP95Us: median(appends.map((a) => a.p95)),
      verifyLinesPerSec: median(rates),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (async () => {
    const runs = Number(process.env.BENCH_RUNS ?? 5);
    for (const variant of [{}, { anchored: true }, { anchored: true, keyed: true }, { sync: true }, { sync: true, anchored: true }]) {
      const r = await benchAudit(runs, variant);
      const name = Object.keys(variant).map((k) => ({ sync: ' + fdatasync', anchored: ' + anchor', keyed: ' + hmac' })[k]).join('');
      console.log(`audit append${name}: median ${r.appendMedianUs.toFixed(1)} µs, p95 ${r.appendP95Us.toFixed(1)} µs; verify ${(r.verifyLinesPerSec / 1000).toFixed(0)}k lines/s (median of ${runs} runs)`);
    }
  })().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
