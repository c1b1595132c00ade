/**
 * Cairn as the image runs it: src/ compiled by tsc (tsconfig.build.json), so the benchmark measures
 * the shipped JavaScript, as it measures the Go reference compiled, and not Node stripping the types
 * of every source file at each start. Written under .cairn/ (ignored by git) so node_modules resolve
 * as they do for dist/.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** Compiles src/ and returns the path of its main.js. */
export function buildCairn(): string {
  const outDir = join(ROOT, '.cairn', 'bench-dist');
  rmSync(outDir, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
  return join(outDir, 'main.js');
}
