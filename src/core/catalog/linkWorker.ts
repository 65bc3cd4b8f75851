// Schema linking off the main thread: a worker reads the cached catalog, builds the linker index
// (seconds of CPU on a large warehouse) and keeps it warm between questions, so the extension
// host's event loop is never held by indexing.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SchemaContext } from './schemaContext';

interface Request {
  id: number;
  cachePath: string;
  question: string;
  top: number;
}
type Reply = { id: number; ok: true; context: SchemaContext & { totalTables: number } } | { id: number; ok: false; error: string };

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (c: SchemaContext & { totalTables: number }) => void; reject: (e: Error) => void }>();

/** The worker script: beside the bundle (dist/linkWorker.js) or, when running from source, the .ts file through tsx. */
function startWorker(): Worker {
  const fromSource = __filename.endsWith('.ts');
  // From source (tests), the worker registers tsx itself: Node 20 does not apply --import to a
  // worker's entry file.
  const started = fromSource
    ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'linkWorkerMain.ts'))});`, { eval: true })
    : new Worker(join(__dirname, 'linkWorker.js'));
  started.unref();
  started.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiter) return;
    if (reply.ok) waiter.resolve(reply.context);
    else waiter.reject(new Error(reply.error));
  });
  const fail = (error: Error) => {
    // Only the current worker's end concerns the waiting requests; a replaced one is history.
    if (worker !== started) return;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    worker = undefined;
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`The schema-linking worker exited (${code}).`)));
  return started;
}

/** Ranks the cached catalog at `cachePath` for a question, in the worker. */
export function rankInWorker(cachePath: string, question: string, top = 10): Promise<SchemaContext & { totalTables: number }> {
  statSync(cachePath); // fail here, clearly, when there is no cache yet
  worker ??= startWorker();
  const id = nextId++;
  const request: Request = { id, cachePath, question, top };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker!.postMessage(request);
  });
}

/** Ends the worker (tests, shutdown). */
export async function stopLinkWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}
