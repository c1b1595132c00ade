/**
 * The schema engine for commands that judge data (validate): the operator's WebAssembly module,
 * loaded once per process (2 to 4 s: commands that do not judge never load it).
 *
 * node:wasi prints an ExperimentalWarning when loaded; on a terminal and in CI logs that line is
 * noise that reads like a problem, so that one warning is dropped (every other warning still prints).
 *
 * Errors: no engine file configured is a usage error (exit 2); a file that cannot be read or started
 * is unavailable (exit 3).
 */
import { readFile } from 'node:fs/promises';
import type { SchemaEngine } from '../schemas/engine/engine.ts';
import type { CliSettings } from './config.ts';
import { CliError, unavailableError, usageError } from './exit-codes.ts';

function dropWasiWarning(): void {
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'ExperimentalWarning' && /WASI/.test(warning.message)) return;
    if (listeners.length === 0) process.stderr.write(`(node) ${warning.name}: ${warning.message}\n`);
    for (const listener of listeners) listener(warning);
  });
}

export async function loadCliEngine(settings: CliSettings): Promise<SchemaEngine> {
  const file = settings.schemaEngineFile;
  if (file === undefined) {
    throw usageError('the schema engine file is needed to judge data: pass --schema-engine-file, set CAIRN_SCHEMA_ENGINE_FILE, or run `npm run dev` here (`npm run binaries -- ensure validator-wasm` builds it and prints where)');
  }
  // A reader, not the bytes: the loader drops them once compiled (71 MB less at the peak).
  const read = (): Promise<Uint8Array> =>
    readFile(file).catch((error: unknown) => {
      throw unavailableError(`the schema engine file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    });
  dropWasiWarning();
  const { loadSchemaEngine } = await import('../schemas/engine/load.ts');
  try {
    return await loadSchemaEngine(read);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw unavailableError(`the schema engine ${file} could not start: ${(error as Error).message}`, { cause: error });
  }
}
