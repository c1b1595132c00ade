/**
 * Which modules a Node program loads: it runs in a child Node (the compile cache off) with a load hook
 * that records every module URL, printed on stderr when the process exits, then Node's own modules as
 * `node:<name>` (process.moduleLoadList).
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const RECORDER = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
process.on('exit', () => process.stderr.write([...loaded, ...process.moduleLoadList.map((m) => 'node:' + m)].map((u) => 'loaded ' + u).join('\\n') + '\\n'));
`)}`;

/** Every module URL `script` (relative to the repository, or absolute) loads with `args`; the program must exit 0. */
export function modulesLoadedBy(script: string, args: readonly string[]): string[] {
  const child = spawnSync(process.execPath, ['--import', RECORDER, resolve(ROOT, script), ...args], { encoding: 'utf8', env: { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' } });
  expect(child.status, child.stderr).toBe(0);
  return child.stderr
    .split('\n')
    .filter((l) => l.startsWith('loaded '))
    .map((l) => l.slice('loaded '.length));
}
