// What a PostgreSQL plan reads, from EXPLAIN (FORMAT JSON) without ANALYZE: the planner's row
// estimates of every node that reads stored or generated data, summed. `SELECT count(*) FROM big`
// returns one row but its Seq Scan reads all of them; the cost gate needs the latter.

import { RECURSIVE_QUERY } from './unboundedReads';

/** One node of EXPLAIN (FORMAT JSON)'s tree, as much as is read here. */
export interface PlanNode {
  'Node Type'?: string;
  'Plan Rows'?: number;
  'Plan Width'?: number;
  'Parent Relationship'?: string;
  'Parallel Aware'?: boolean;
  'Workers Planned'?: number;
  /** With EXPLAIN (VERBOSE): the scanned relation's schema. */
  Schema?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** A table's size from pg_class (reltuples, relpages × block size); rows null when never analyzed. */
export interface RelationSize {
  rows: number | null;
  bytes: number;
}

/** `schema.relation` of every Seq Scan: they read the whole table, whatever their filter keeps. */
export function seqScannedRelations(root: PlanNode | undefined): { schema: string; name: string }[] {
  const found = new Map<string, { schema: string; name: string }>();
  const walk = (node: PlanNode) => {
    if (node['Node Type'] === 'Seq Scan' && node.Schema && node['Relation Name']) found.set(relationKey(node.Schema, node['Relation Name']), { schema: node.Schema, name: node['Relation Name'] });
    for (const child of node.Plans ?? []) walk(child);
  };
  if (root) walk(root);
  return [...found.values()];
}

export function relationKey(schema: string, name: string): string {
  return JSON.stringify([schema, name]);
}

// Nodes that produce rows from storage or a function (generate_series, unnest, a foreign table).
// Bitmap Index Scan is left out: its Bitmap Heap Scan parent counts the same rows. Subquery Scan
// and CTE Scan re-read their child's or CTE's rows, which are counted where they are made.
const READS = new Set([
  'Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Tid Scan', 'Tid Range Scan', 'Sample Scan',
  'Function Scan', 'Table Function Scan', 'Foreign Scan', 'Custom Scan',
  // Set-returning functions in a select list (SELECT generate_series(...)) generate rows here.
  'ProjectSet',
]);

/**
 * Rows and bytes the plan's scans read. The inner side of a Nested Loop runs once per outer row
 * (its estimates are per loop), as does a SubPlan per row of the node it belongs to; a
 * parallel-aware scan's estimate is per process and is scaled back to the whole.
 */
export function planReads(root: PlanNode | undefined, sizes: ReadonlyMap<string, RelationSize> = new Map()): { rows: number | null; bytes: number | null } {
  if (!root) return { rows: null, bytes: null };
  let rows = 0;
  let bytes = 0;
  const walk = (node: PlanNode, loops: number, parallelDivisor: number): void => {
    const type = node['Node Type'] ?? '';
    const planRows = finite(node['Plan Rows']);
    if (READS.has(type)) {
      // Plan Rows is what a node returns after its filter; a Seq Scan reads every row and page of its table.
      const size = type === 'Seq Scan' && node.Schema && node['Relation Name'] ? sizes.get(relationKey(node.Schema, node['Relation Name'])) : undefined;
      const returned = planRows * (node['Parallel Aware'] ? parallelDivisor : 1);
      const read = Math.max(returned, finite(size?.rows)) * loops;
      rows += read;
      bytes += size ? Math.max(finite(size.bytes), returned * finite(node['Plan Width'])) * loops : read * finite(node['Plan Width']);
    }
    const children = node.Plans ?? [];
    // Workers' estimates are per process: divide back as PostgreSQL's get_parallel_divisor does.
    const divisor = type === 'Gather' || type === 'Gather Merge' ? workersDivisor(finite(node['Workers Planned'])) : parallelDivisor;
    const outer = children.find((c) => c['Parent Relationship'] === 'Outer');
    for (const child of children) {
      let childLoops = loops;
      const relationship = child['Parent Relationship'];
      // A Materialize on the inner side runs its input once and replays it from memory.
      if (type === 'Nested Loop' && relationship === 'Inner' && child['Node Type'] !== 'Materialize') childLoops *= Math.max(1, finite(outer?.['Plan Rows']));
      if (relationship === 'SubPlan') childLoops *= Math.max(1, planRows);
      walk(child, childLoops, divisor);
    }
  };
  walk(root, 1, 1);
  return { rows: Math.round(rows), bytes: bytes > 0 ? Math.round(bytes) : null };
}

/**
 * Why no row estimate bounds this plan's read, or undefined when the estimates do. A Recursive
 * Union runs its recursive term once per iteration, and its estimates are for one of them.
 */
export function unboundedPlanReason(root: PlanNode | undefined): string | undefined {
  const recursive = (node: PlanNode): boolean => node['Node Type'] === 'Recursive Union' || (node.Plans ?? []).some(recursive);
  return root && recursive(root) ? RECURSIVE_QUERY : undefined;
}

function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function workersDivisor(workers: number): number {
  // The leader also runs the plan, contributing less the more workers there are.
  const leader = 1 - 0.3 * workers;
  return workers + (leader > 0 ? leader : 0);
}
