/**
 * The schema engine the image carries: the `validator-wasm` the binaries cache holds (built from the
 * pinned module tools/go/validator by tools/binaries, the bytes every test and the parity run use),
 * copied into the build context at STAGED_ENGINE, where the Dockerfile COPYs it from. Staged, not
 * built by the Dockerfile: a Go stage would need golang's image and the Go module proxy inside the
 * build, and would ship bytes no test ran.
 *
 * Guarantees: on success STAGED_ENGINE holds exactly the cached module (same sha256), written under a
 * temporary name and renamed, so an interrupted copy never leaves a partial file for a build to ship.
 * Errors: BuildFailedError from tools/binaries when the module is missing and cannot be built (no Go).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureBinaries } from '../binaries/ensure.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** In the build context (.dockerignore lets exactly this file of .cairn/ in); .cairn/ is not in git. */
export const STAGED_ENGINE = join(ROOT, '.cairn', 'image', 'validator.wasm');

export interface StagedEngine {
  readonly source: string;
  readonly bytes: number;
  readonly sha256: string;
}

function sha256Of(path: string): { bytes: number; sha256: string } {
  const content = readFileSync(path);
  return { bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') };
}

/** Builds the engine if the cache lacks it (minutes, needs Go), then copies it to STAGED_ENGINE. */
export async function stageSchemaEngine(log: (line: string) => void): Promise<StagedEngine> {
  const { 'validator-wasm': source } = await ensureBinaries(['validator-wasm'], log);
  if (source === undefined) throw new Error('tools/binaries returned no path for validator-wasm');
  const cached = sha256Of(source);
  mkdirSync(dirname(STAGED_ENGINE), { recursive: true });
  const temp = `${STAGED_ENGINE}.${process.pid}.tmp`;
  copyFileSync(source, temp);
  renameSync(temp, STAGED_ENGINE);
  const staged = sha256Of(STAGED_ENGINE);
  if (staged.sha256 !== cached.sha256) throw new Error(`the staged engine ${STAGED_ENGINE} differs from ${source} after copying`);
  return { source, ...staged };
}
