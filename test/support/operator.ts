/**
 * The operator as a user runs it: `node src/main.ts` in its own process, against the shared control
 * plane, scoped to one namespace and one etcd prefix so test files never see each other's entries.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../tools/controlplane/ports.ts';
import { ManagedProcess } from '../../tools/controlplane/processes.ts';
import { controlPlane, uniqueName } from './cluster.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

export interface OperatorOptions {
  readonly namespace: string;
  readonly prefix: string;
  readonly kubeconfig?: string;
  /** Another etcd than the shared store (tests that count every revision of the store). */
  readonly storeEndpoints?: readonly string[];
  readonly args?: readonly string[];
}

export interface RunningOperator {
  readonly metricsUrl: string;
  readonly process: ManagedProcess;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL (a crash). */
  kill(): Promise<void>;
  metrics(): Promise<string>;
  /** The value of one sample line of /metrics, e.g. `controller_runtime_reconcile_total{controller="configentry",result="success"}`. */
  metric(sample: string): Promise<number>;
  logs(): string;
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const cp = controlPlane();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-op-'));
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'operator.log');
  const proc = ManagedProcess.start({
    name: 'cairn-operator',
    command: process.execPath,
    args: [
      MAIN,
      `--kubeconfig=${options.kubeconfig ?? cp.kubeconfig}`,
      `--etcd-endpoints=${(options.storeEndpoints ?? cp.storeEndpoints).join(',')}`,
      `--watch-namespace=${options.namespace}`,
      `--prefix=${options.prefix}`,
      `--metrics-address=127.0.0.1:${port}`,
      `--identity=${uniqueName('test-operator')}`,
      '--no-leader-elect',
      '--log-level=debug',
      ...(options.args ?? []),
    ],
    logFile,
    pidFile: join(dir, 'pids'),
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    proc.assertRunning();
    const ready = await fetch(`${metricsUrl}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`operator not ready after 30 s:\n${proc.logTail(40)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const metrics = async (): Promise<string> => (await fetch(`${metricsUrl}/metrics`)).text();
  return {
    metricsUrl,
    process: proc,
    stop: () => proc.stop(10_000),
    kill: () => proc.kill(),
    metrics,
    metric: async (sample) => {
      const line = (await metrics()).split('\n').find((l) => l.startsWith(`${sample} `));
      return line === undefined ? 0 : Number(line.slice(sample.length + 1));
    },
    logs: () => readFileSync(logFile, 'utf8'),
  };
}
