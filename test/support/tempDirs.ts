// Temp directories for tests: each one unique under the OS temp dir, removed by the caller.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `pipewright-${label}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Runs `body` with a fresh temp dir that is removed afterwards, whatever happens. */
export async function withTempDir<T>(label: string, body: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = makeTempDir(label);
  try {
    return await body(dir);
  } finally {
    removeDir(dir);
  }
}
