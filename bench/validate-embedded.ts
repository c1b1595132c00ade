/**
 * `node bench/validate-embedded.ts [--calls N]`: what judging embedded data by the schema engine costs
 * the operator beside zod, in-process, on the commit path's own function (validateData: validate,
 * default, canonicalise, hash). Per embedded version the engine judges: p50 and p99 of one call with
 * zod and with the engine, interleaved call by call so the drift of a shared machine falls on both;
 * and the process's resident memory before the engine, once it is loaded, and once the embedded
 * versions are compiled (pinned as the operator pins them at start), with the time of each step.
 * Prints the load average: figures from a loaded machine are upper bounds.
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { DEFAULT_MAX_DATA_BYTES } from '../src/api/names.ts';
import { SchemaRegistry } from '../src/controller/schema-registry.ts';
import { validateData } from '../src/domain/validate.ts';
import { embeddedConfigSchemas } from '../src/schemas/embedded-config-schemas.ts';
import { loadSchemaEngine } from '../src/schemas/engine/load.ts';
import { lookupSchema } from '../src/schemas/index.ts';
import { ensureBinaries } from '../tools/binaries/ensure.ts';
import { loadAverage } from './process-stats.ts';
import { round, summarize } from './stats.ts';

const options = new Command('validate-embedded').option('--calls <n>', 'calls per version and validator', '2000').parse().opts<{ calls: string }>();
const calls = Number(options.calls);
const mib = (): number => round(process.memoryUsage().rss / 2 ** 20, 0);

console.log(`load average before: ${loadAverage().join(' ')}`);
const { 'validator-wasm': wasm } = await ensureBinaries(['validator-wasm']);
const rssBefore = mib();
let started = performance.now();
const engine = await loadSchemaEngine(await readFile(wasm ?? ''));
const loadMs = performance.now() - started;
const rssLoaded = mib();
const registry = new SchemaRegistry(engine, () => {});
const embedded = embeddedConfigSchemas();
started = performance.now();
registry.pinEmbedded(embedded);
const pinMs = performance.now() - started;
const rssPinned = mib();
console.log(`resident memory: ${rssBefore} MiB before the engine, ${rssLoaded} MiB loaded (${round(loadMs, 0)} ms), ${rssPinned} MiB with the embedded versions compiled (${round(pinMs, 0)} ms)`);

const withZod = { maxBytes: DEFAULT_MAX_DATA_BYTES };
const withEngine = { maxBytes: DEFAULT_MAX_DATA_BYTES, engineSchemas: (id: string) => registry.lookup(id) };
console.log('version               zod p50/p99 (ms)   engine p50/p99 (ms)   engine/zod p50');
for (const [name, object] of embedded) {
  for (const version of object.spec.versions) {
    const id = `${name}@${version.name}`;
    const definition = lookupSchema(id);
    if (definition === undefined || definition.notStructural !== undefined) continue;
    const zod: number[] = [];
    const wasmMs: number[] = [];
    for (let i = 0; i < calls; i++) {
      for (const [samples, opts] of [[zod, withZod], [wasmMs, withEngine]] as const) {
        const t = performance.now();
        const result = validateData(id, definition.example, opts);
        samples.push(performance.now() - t);
        if (!result.ok) throw new Error(`${id}: the example was refused: ${result.message}`);
      }
    }
    const z = summarize(zod);
    const e = summarize(wasmMs);
    console.log(`${id.padEnd(22)}${`${round(z.p50, 3)} / ${round(z.p99, 3)}`.padEnd(19)}${`${round(e.p50, 3)} / ${round(e.p99, 3)}`.padEnd(22)}${round(e.p50 / z.p50, 1)}x`);
  }
}
console.log(`resident memory after ${calls} calls per version and validator: ${mib()} MiB; load average after: ${loadAverage().join(' ')}`);
