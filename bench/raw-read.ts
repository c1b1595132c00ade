/**
 * The raw re-read of a restart, as a process of its own: a LIST of the entries through undici and a
 * range of the prefix through etcd3, from `node` starting to `node` exiting.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, 'raw-read-process.ts');

/** Seconds from spawning the reader to its exit. */
export function rawReadAsProcess(kubeconfig: string, endpoints: readonly string[], listPath: string, prefix: string): number {
  const started = performance.now();
  execFileSync(process.execPath, [SCRIPT, kubeconfig, endpoints.join(','), listPath, prefix], { stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - started) / 1000;
}
