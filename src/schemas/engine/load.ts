/**
 * Starting the schema engine from the module's bytes (or a reader of them): compiles and initialises the WebAssembly module
 * once (asynchronous, hundreds of milliseconds). The operator does it at start-up (main.ts reads the
 * file) and passes the engine in; the domain only ever sees the synchronous SchemaEngine.
 */
import { type SchemaEngine, createSchemaEngine } from './engine.ts';
import { type ModuleSource, loadValidatorModule } from './wasm-validator.ts';

/** `source`: the module's bytes, or better a reader of them (see loadValidatorModule: 71 MB less at the peak). */
export async function loadSchemaEngine(source: ModuleSource): Promise<SchemaEngine> {
  return createSchemaEngine(await loadValidatorModule(source));
}
