/**
 * The Go reference operator (tools/go/bench/reference, built by `npm run binaries -- ensure
 * bench-reference`) in its own process, with the same handle as Cairn's (OperatorProcess): resolves
 * once /readyz answers 200 (its informer has synced; the fence is taken and its etcd view loaded
 * before the health server starts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OperatorProcess, operatorHandle } from '../tools/controlplane/operator-process.ts';
import { freePort } from '../tools/controlplane/ports.ts';
import { ManagedProcess, sleep } from '../tools/controlplane/processes.ts';
import { resolveBinary } from '../tools/binaries/resolve.ts';

export interface ReferenceProcessOptions {
  /** The program (referenceBinary(), resolved once per run: an edit of its sources mid-run must not make a restart fail). */
  readonly binary: string;
  readonly kubeconfig: string;
  readonly storeEndpoints: readonly string[];
  readonly dir: string;
  readonly args: readonly string[];
  readonly readyTimeoutMs?: number;
}

export function referenceBinary(): string {
  const found = resolveBinary('bench-reference');
  if (found === undefined) throw new Error('bench-reference is not built: run `npm run binaries -- ensure bench-reference` (npm run bench does)');
  return found.path;
}

export async function startReferenceProcess(options: ReferenceProcessOptions): Promise<OperatorProcess> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const logFile = join(options.dir, 'reference.log');
  writeFileSync(logFile, '');
  const proc = ManagedProcess.start({
    name: 'go-reference',
    command: options.binary,
    args: [`--kubeconfig=${options.kubeconfig}`, `--etcd-endpoints=${options.storeEndpoints.join(',')}`, `--metrics-address=127.0.0.1:${metricsPort}`, `--health-address=127.0.0.1:${healthPort}`, ...options.args],
    logFile,
    pidFile: join(options.dir, 'pids'),
  });
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    proc.assertRunning();
    if (await fetch(`http://127.0.0.1:${healthPort}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`reference operator not ready after ${timeoutMs} ms; last lines of ${logFile}:\n${proc.logTail(40)}`);
    }
    await sleep(50);
  }
  return operatorHandle(proc, metricsUrl, logFile);
}
