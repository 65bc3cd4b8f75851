// Reads whose size a plan cannot bound. The cost gate compares rows read with a limit; these
// plans give no honest row count, so the connector names why and the gate asks the user.

/** How long the cost gate's EXPLAIN may take: planning can do real work (DuckDB folds constants). */
export const EXPLAIN_TIMEOUT_MS = 10_000;

export const RECURSIVE_QUERY =
  'A recursive query: its size cannot be estimated (its recursive part runs once per iteration, and the planner cannot know how many).';

export const UNCOUNTED_GENERATOR =
  'The plan makes rows with unnest or a table function over computed arguments, and the planner does not estimate how many.';

export function planTimedOut(timeoutMs: number): string {
  return `The plan could not be estimated in time (EXPLAIN took over ${(timeoutMs / 1000).toLocaleString('en-US')} s): its size is unknown.`;
}
