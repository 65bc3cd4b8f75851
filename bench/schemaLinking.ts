// Schema-linking benchmark on shared/bench/schema-linking (Spider 2.0-Snow): recall@k and all-gold@k
// per database and over the whole warehouse, index build time, peak RSS, per-question latency.
// Databases are split in two halves (sorted names, even / odd positions): weights were tuned on the
// dev half only, so the check half shows how far the figures carry to unseen schemas.
// `node --import tsx bench/schemaLinking.ts` prints the table; bench/run.ts calls benchSchemaLinking().
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { readQuestions, readTables, streamTables, type QuestionEntry } from '../src/core/catalog/benchData';
import { buildIndex, IndexBuilder, rank, type LinkerIndex } from '../src/core/catalog/schemaLinker';
import { median, percentile } from './stats';

const DATA_DIR = join(__dirname, '..', '..', 'shared', 'bench', 'schema-linking');
const TABLES_FILE = join(DATA_DIR, 'spider2-snow-tables.jsonl.gz');
const QUESTIONS_FILE = join(DATA_DIR, 'spider2-snow-questions.jsonl');
const KS = [5, 10, 20, 50] as const;

/** Mean recall@k and share of questions with all gold in the top k, per k. */
export interface LinkingScores {
  questions: number;
  recall: number[];
  allGold: number[];
}

/**
 * Scores rankings against gold. Names compare case-insensitively: Snowflake folds unquoted names to
 * upper case, and a few gold names differ from the catalog only by case.
 */
export function scoreRankings(questions: readonly QuestionEntry[], ranked: ReadonlyMap<string, readonly string[]>): LinkingScores {
  const recall = KS.map(() => 0);
  const allGold = KS.map(() => 0);
  let n = 0;
  for (const q of questions) {
    const gold = [...new Set((q.gold_tables ?? []).map((g) => g.toUpperCase()))];
    if (!gold.length) continue;
    n++;
    const names = (ranked.get(q.id) ?? []).map((t) => t.toUpperCase());
    KS.forEach((k, i) => {
      const top = new Set(names.slice(0, k));
      const hit = gold.filter((g) => top.has(g)).length;
      recall[i] += hit / gold.length;
      if (hit === gold.length) allGold[i]++;
    });
  }
  return { questions: n, recall: recall.map((r) => r / Math.max(1, n)), allGold: allGold.map((a) => a / Math.max(1, n)) };
}

/** Dev half: databases at even positions of the sorted names; check half: odd positions. */
export function splitDatabases(databases: Iterable<string>): { dev: Set<string>; check: Set<string> } {
  const sorted = [...new Set(databases)].sort();
  return { dev: new Set(sorted.filter((_, i) => i % 2 === 0)), check: new Set(sorted.filter((_, i) => i % 2 === 1)) };
}

/** Ranks every question in one scope; returns the rankings and per-question latencies (ms). */
export function rankAll(index: LinkerIndex, questions: readonly QuestionEntry[], scope: 'database' | 'warehouse', top = 50): { ranked: Map<string, string[]>; latencies: number[] } {
  const ranked = new Map<string, string[]>();
  const latencies: number[] = [];
  for (const q of questions) {
    const start = performance.now();
    const tables = rank(index, q.question, { scope, database: q.db, top });
    latencies.push(performance.now() - start);
    ranked.set(q.id, tables.map((t) => t.table));
  }
  return { ranked, latencies };
}

const fmt = (values: number[]) => values.map((v) => v.toFixed(3)).join(' / ');

/** Peak RSS of a fresh process that streams the tables file into an index (sampled every 5 ms). */
async function measureIndexMemory(): Promise<{ peakMiB: number; baseMiB: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--measure-memory'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`memory probe exited ${code}`);
  return JSON.parse(output.trim().split('\n').pop()!);
}

async function memoryProbe(): Promise<void> {
  const baseMiB = process.memoryUsage().rss / 2 ** 20;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const builder = new IndexBuilder();
  for await (const table of streamTables(TABLES_FILE)) builder.add(table);
  const index = builder.finish();
  rank(index, 'warm up the ranking path once', { scope: 'warehouse', top: 20 });
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  process.stdout.write(`${JSON.stringify({ peakMiB: peak / 2 ** 20, baseMiB })}\n`);
}

/** Rows [what, figure, note] for the benchmark table. */
export async function benchSchemaLinking(): Promise<Array<[string, string, string]>> {
  const rows: Array<[string, string, string]> = [];
  const loadStart = performance.now();
  const tables = await readTables(TABLES_FILE);
  const loadMs = performance.now() - loadStart;
  const questions = await readQuestions(QUESTIONS_FILE);
  const columns = tables.reduce((sum, t) => sum + t.columns.length, 0);

  const buildTimes: number[] = [];
  let index: LinkerIndex | undefined;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    index = buildIndex(tables);
    buildTimes.push(performance.now() - start);
  }
  const { dev, check } = splitDatabases(tables.map((t) => t.table.split('.')[0]));
  const devQuestions = questions.filter((q) => dev.has(q.db ?? ''));
  const checkQuestions = questions.filter((q) => check.has(q.db ?? ''));

  const targets: Record<string, string> = {
    database: 'target recall@10 >= 0.92, all-gold@20 >= 0.90 (plain BM25: 0.76 / 0.70)',
    warehouse: 'target recall@20 >= 0.75 (plain BM25: 0.24)',
  };
  const latency: Record<string, number[]> = {};
  for (const scope of ['database', 'warehouse'] as const) {
    const { ranked, latencies } = rankAll(index!, questions, scope);
    latency[scope] = latencies;
    const all = scoreRankings(questions, ranked);
    const devScores = scoreRankings(devQuestions, ranked);
    const checkScores = scoreRankings(checkQuestions, ranked);
    const label = scope === 'database' ? 'per database' : 'whole warehouse';
    rows.push([`schema linking ${label}: recall@5/10/20/50`, fmt(all.recall), `${all.questions} questions; ${targets[scope]}`]);
    rows.push([`schema linking ${label}: all-gold@5/10/20/50`, fmt(all.allGold), '']);
    rows.push([`  dev half (${dev.size} databases, ${devScores.questions} q)`, `recall ${fmt(devScores.recall)}; all-gold ${fmt(devScores.allGold)}`, 'weights tuned on this half']);
    rows.push([`  check half (${check.size} databases, ${checkScores.questions} q)`, `recall ${fmt(checkScores.recall)}; all-gold ${fmt(checkScores.allGold)}`, 'never tuned on']);
  }
  rows.push(['schema-linking index build', `${median(buildTimes).toFixed(0)} ms`, `median of 3; ${tables.length} tables, ${columns} columns; target <= 5000 ms (reading the gzipped file: ${loadMs.toFixed(0)} ms more)`]);
  const memory = await measureIndexMemory();
  rows.push(['schema-linking peak RSS (stream file + build index)', `${memory.peakMiB.toFixed(0)} MiB`, `fresh process, sampled every 5 ms; ${memory.baseMiB.toFixed(0)} MiB at start; target <= 400 MB`]);
  for (const scope of ['database', 'warehouse'] as const) {
    rows.push([`schema-linking latency per question (${scope} scope)`, `p50 ${median(latency[scope]).toFixed(2)} ms, p95 ${percentile(latency[scope], 95).toFixed(2)} ms`, `over the full ${tables.length}-table index, top 50; target p95 <= 20 ms`]);
  }
  return rows;
}

async function main(): Promise<void> {
  if (process.argv.includes('--measure-memory')) return memoryProbe();
  const rows = await benchSchemaLinking();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`\n## Schema linking (Spider 2.0-Snow)\n\nMachine: ${machine}.\n`);
  console.log('| what | figure | note |\n|---|---|---|');
  for (const [what, value, note] of rows) console.log(`| ${what} | ${value} | ${note} |`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
