// Loads dist/engine.js beside this bundle on first call. The path is computed so the bundler
// leaves the require alone.
import { join } from 'node:path';

export type Engine = typeof import('./engine');
let engine: Engine | undefined;

export function loadEngine(): Engine {
  engine ??= require(join(__dirname, 'engine.js')) as Engine;
  return engine;
}
