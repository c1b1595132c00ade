/**
 * What loading the schema engine costs a Node process, and what its calls cost afterwards:
 * `npx node tools/go/validator/measure-memory.ts [--runs 3] [--wasm FILE] [--variant 'LABEL:FLAGS']...`
 * (FLAGS: Node/V8 flags such as --liftoff-only, and --hold-bytes: the caller keeps the module's bytes
 * while the engine loads, as the operator did before the loader took a reader).
 *
 * Each run is a fresh Node process that loads the engine exactly as the operator does
 * (src/schemas/engine/load.ts over the file's bytes), compiles the parity corpus's 13-rule `cel.json`
 * and validates 300 values generated from it (fixed seed), three passes. It reports resident memory
 * (VmRSS) before and after, the peak (VmHWM), the load time, the schema compile time and the mean
 * validate call of the first and the third pass (the third shows the code after V8's tier-up).
 * Variants run alternately (A B A B ...) so the machine's load spreads over all of them; the table
 * shows medians. Times depend on the machine's load: the load average is printed before and after.
 *
 * The module is the binaries cache's validator-wasm unless --wasm (or TEST_ASSET_VALIDATOR_WASM) names one.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadSchemaEngine } from '../../../src/schemas/engine/load.ts';
import { resolveBinary } from '../../binaries/resolve.ts';

interface Sample {
  readonly rssBeforeMiB: number;
  readonly loadMs: number;
  readonly rssLoadedMiB: number;
  readonly peakLoadedMiB: number;
  readonly compileMs: number;
  readonly firstPassMs: number;
  readonly thirdPassMs: number;
  readonly rssAfterMiB: number;
  readonly peakMiB: number;
}

const CORPUS_SCHEMA = new URL('../../../test/parity/corpus/cel.json', import.meta.url);
const VALUES = 300;

function memoryMiB(field: 'VmRSS' | 'VmHWM'): number {
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kib) / 1024;
}

/** One measurement, in this process (started by the parent with the variant's Node flags). */
async function child(wasm: string, holdBytes: boolean): Promise<Sample> {
  const rssBeforeMiB = memoryMiB('VmRSS');
  const started = performance.now();
  const held = holdBytes ? await readFile(wasm) : undefined;
  const engine = await loadSchemaEngine(held ?? (() => readFile(wasm)));
  const loadMs = performance.now() - started;
  if (held !== undefined && held.length === 0) throw new Error('empty module'); // keeps the bytes alive until here
  const rssLoadedMiB = memoryMiB('VmRSS');
  const peakLoadedMiB = memoryMiB('VmHWM');
  // Imported only now: the value generator's own memory is not the engine's load.
  const [{ default: fc }, { casesOf }] = await Promise.all([import('fast-check'), import('../../../test/parity/values.ts')]);
  const { schema } = JSON.parse(readFileSync(CORPUS_SCHEMA, 'utf8')) as { schema: Record<string, unknown> };
  const values = fc.sample(casesOf(schema), { seed: 42, numRuns: VALUES });
  const compileStarted = performance.now();
  const compiled = engine.compile(schema);
  const compileMs = performance.now() - compileStarted;
  if (!compiled.ok) throw new Error(`cel.json refused: ${compiled.problems.map((p) => p.message).join('; ')}`);
  const passes: number[] = [];
  for (let pass = 0; pass < 3; pass += 1) {
    const passStarted = performance.now();
    for (const value of values) compiled.schema.validate(value);
    passes.push((performance.now() - passStarted) / values.length);
  }
  return { rssBeforeMiB, loadMs, rssLoadedMiB, peakLoadedMiB, compileMs, firstPassMs: passes[0] ?? NaN, thirdPassMs: passes[2] ?? NaN, rssAfterMiB: memoryMiB('VmRSS'), peakMiB: memoryMiB('VmHWM') };
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function main(): void {
  const { values: options } = parseArgs({
    options: { runs: { type: 'string', default: '3' }, wasm: { type: 'string' }, variant: { type: 'string', multiple: true }, child: { type: 'boolean' }, 'hold-bytes': { type: 'boolean' } },
  });
  const wasm = options.wasm ?? resolveBinary('validator-wasm')?.path;
  if (wasm === undefined) throw new Error('no validator-wasm: run `npm run binaries -- ensure validator-wasm` or pass --wasm');
  if (options.child) {
    void child(wasm, options['hold-bytes'] === true).then((sample) => console.log(JSON.stringify(sample)));
    return;
  }
  const variants = (options.variant ?? ['as shipped:']).map((v) => {
    const at = v.indexOf(':');
    return { label: at < 0 ? v : v.slice(0, at), flags: at < 0 ? [] : v.slice(at + 1).split(' ').filter((f) => f !== '') };
  });
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.label, []]));
  console.log(`module ${wasm}; load average before ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (let run = 0; run < Number(options.runs); run += 1) {
    for (const variant of variants) {
      const nodeFlags = variant.flags.filter((f) => f !== '--hold-bytes');
      const ownFlags = variant.flags.filter((f) => f === '--hold-bytes');
      const result = spawnSync(process.execPath, [...nodeFlags, import.meta.filename, '--child', '--wasm', wasm, ...ownFlags], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (result.status !== 0) throw new Error(`${variant.label}: child exited ${result.status}: ${result.stderr.slice(-2000)}`);
      const line = result.stdout.trim().split('\n').at(-1) ?? '';
      samples.get(variant.label)?.push(JSON.parse(line) as Sample);
    }
  }
  const columns: (keyof Sample)[] = ['rssBeforeMiB', 'loadMs', 'rssLoadedMiB', 'peakLoadedMiB', 'compileMs', 'firstPassMs', 'thirdPassMs', 'rssAfterMiB', 'peakMiB'];
  console.log(`medians of ${options.runs} runs; validate: mean ms per call over ${VALUES} values of cel.json (13 rules)`);
  console.log(['variant', ...columns].join('\t'));
  for (const [label, list] of samples) {
    console.log([label, ...columns.map((c) => median(list.map((s) => s[c])).toFixed(c.endsWith('PassMs') ? 3 : 0))].join('\t'));
  }
  console.log(`load average after ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main();
