/**
 * The schema engine for tests: the module `npm test` builds (tools/binaries, component validator),
 * loaded once per test file.
 */
import { readFile } from 'node:fs/promises';
import { resolveBinary } from '../../tools/binaries/resolve.ts';
import type { SchemaEngine } from '../../src/schemas/engine/engine.ts';
import { loadSchemaEngine } from '../../src/schemas/engine/load.ts';

export function validatorWasmPath(): string {
  const resolved = resolveBinary('validator-wasm');
  if (resolved === undefined) throw new Error('the schema engine is not built: run `npm run binaries -- ensure validator-wasm` (npm test does)');
  return resolved.path;
}

export async function loadTestEngine(): Promise<SchemaEngine> {
  return loadSchemaEngine(() => readFile(validatorWasmPath()));
}
