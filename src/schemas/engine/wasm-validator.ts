/**
 * The WebAssembly module built from tools/go/validator (the apiserver's custom-resource validation),
 * instantiated once under node:wasi and called synchronously through its exports.
 *
 * Contract (tools/go/validator/exports.go): the host allocates an input buffer with alloc(size),
 * writes UTF-8 JSON into it, calls compile(ptr, len) or validate(handle, ptr, len), frees the input,
 * then reads the JSON answer at the packed result (pointer << 32 | length) and frees it.
 *
 * Errors: a trap (a fatal error inside Go, not a panic: panics are answered as errors) leaves the
 * instance unusable; every later call throws ValidatorFailedError.
 */
import { setFlagsFromString } from 'node:v8';
import { WASI } from 'node:wasi';

export class ValidatorFailedError extends Error {
  override name = 'ValidatorFailedError';
}

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  alloc(size: number): number;
  free(ptr: number): void;
  compile(ptr: number, length: number): bigint;
  validate(handle: number, ptr: number, length: number): bigint;
  release(handle: number): void;
}

/** The module's three calls, JSON in and out. */
export interface ValidatorModule {
  compile(schemaJson: string): unknown;
  validate(handle: number, dataJson: string): unknown;
  release(handle: number): void;
}

/** The part of the WebAssembly global used here (the project's lib settings do not declare it). */
interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ readonly exports: unknown }>;
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class WasmValidator implements ValidatorModule {
  #broken: Error | undefined;
  private readonly exports: Exports;

  constructor(exports: Exports) {
    this.exports = exports;
  }

  compile(schemaJson: string): unknown {
    return this.#call((ptr, length) => this.exports.compile(ptr, length), schemaJson);
  }

  validate(handle: number, dataJson: string): unknown {
    return this.#call((ptr, length) => this.exports.validate(handle, ptr, length), dataJson);
  }

  release(handle: number): void {
    if (this.#broken === undefined) this.exports.release(handle);
  }

  #call(fn: (ptr: number, length: number) => bigint, text: string): unknown {
    if (this.#broken) throw new ValidatorFailedError('the schema engine failed earlier and cannot be used', { cause: this.#broken });
    const bytes = encoder.encode(text);
    try {
      const ptr = this.exports.alloc(bytes.length);
      new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
      const packed = BigInt.asUintN(64, fn(ptr, bytes.length));
      this.exports.free(ptr);
      const outPtr = Number(packed >> 32n);
      const outLength = Number(packed & 0xffff_ffffn);
      // Copy out before freeing: the memory may grow (and its buffer detach) on the next call.
      const answer = decoder.decode(new Uint8Array(this.exports.memory.buffer, outPtr, outLength).slice());
      this.exports.free(outPtr);
      return JSON.parse(answer) as unknown;
    } catch (error) {
      this.#broken = error as Error;
      throw new ValidatorFailedError(`the schema engine failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * V8 moves a WebAssembly function from its baseline code (Liftoff) to optimised code (TurboFan) once
 * it has run a budget of work. Go's initialisation of this module runs enough to tier up hundreds of
 * its (large) functions, and compiling one CEL schema hundreds more: at the default budget
 * (13,000,000) that cost 70 MiB resident and seconds of start-up on two cores. One hundred times the
 * budget tiers up only the functions validation keeps hot. Measured (tools/go/validator/measure-memory.ts,
 * medians of 3, load average 20): resident after loading 205 instead of 275 MiB, load 3.0 instead of
 * 4.8 s, compiling cel.json 1.6 instead of 4.2 s, validating one of its values 13.6 instead of 11.7 ms
 * (Liftoff alone, `--liftoff-only`: 204 MiB, 2.5 s, 1.2 s, 16.2 ms). Process-wide, set before the
 * module is compiled; this is the operator's only WebAssembly. Verdicts do not depend on it. A budget
 * given on Node's command line (`node --wasm-tiering-budget=N`) is left as given.
 */
const TIERING_BUDGET_FLAG = '--wasm-tiering-budget=1300000000';

/** Where the module's bytes come from: the bytes, or a reader the loader calls (see loadValidatorModule). */
export type ModuleSource = Uint8Array | (() => Promise<Uint8Array>);

function startFailed(error: unknown): ValidatorFailedError {
  return new ValidatorFailedError(`the schema engine could not start: ${(error as Error).message}`, { cause: error });
}

/**
 * Compiles the module. The bytes are referenced only in this frame: V8 keeps its own copy of a
 * compiled module's bytes, so once this returns the caller's copy (71 MB) is garbage, unless the
 * caller still holds it. A reader's own errors pass through unchanged (the caller knows the file).
 */
async function compileModule(source: ModuleSource): Promise<object> {
  const bytes = typeof source === 'function' ? await source() : source;
  if (!process.execArgv.some((arg) => arg.startsWith('--wasm-tiering-budget'))) setFlagsFromString(TIERING_BUDGET_FLAG);
  try {
    return await WebAssembly.compile(bytes);
  } catch (error) {
    throw startFailed(error);
  }
}

/**
 * Compiles and initialises the module from its bytes (read by the caller: this core does no file
 * I/O). Hundreds of milliseconds: do it once, at start-up. The instance gets no files and no
 * environment; Go writes only a fatal error to stderr.
 *
 * Pass a reader (`() => readFile(path)`) rather than the bytes when nothing else needs them: the
 * bytes are then garbage as soon as the module is compiled, before Go's initialisation runs, which
 * keeps their 71 MB out of the process's peak and resident memory (measured with
 * tools/go/validator/measure-memory.ts).
 */
export async function loadValidatorModule(source: ModuleSource): Promise<ValidatorModule> {
  // Go's runtime reads os.Args[0] at start-up (klog does); nothing else is given: no files, no env.
  const wasi = new WASI({ version: 'preview1', args: ['cairn-validator'], env: {}, returnOnExit: true });
  const module = await compileModule(source);
  try {
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    wasi.initialize(instance);
    return new WasmValidator(instance.exports as unknown as Exports);
  } catch (error) {
    throw startFailed(error);
  }
}
