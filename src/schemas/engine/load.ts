/**
 * Starting the schema engine from the module's bytes: compiles and initialises the WebAssembly module
 * once (asynchronous, hundreds of milliseconds). The operator does it at start-up (main.ts reads the
 * file) and passes the engine in; the domain only ever sees the synchronous SchemaEngine.
 */
import { type SchemaEngine, createSchemaEngine } from './engine.ts';
import { loadValidatorModule } from './wasm-validator.ts';

export async function loadSchemaEngine(wasmBytes: Uint8Array): Promise<SchemaEngine> {
  return createSchemaEngine(await loadValidatorModule(wasmBytes));
}
