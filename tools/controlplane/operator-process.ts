/**
 * The operator in its own process (`node <OPERATOR_NODE_FLAGS> src/main.ts`), as the image runs it: used by the local run,
 * the integration tests and the benchmarks. Resolves once /readyz answers 200.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_NODE_FLAGS } from '../../src/node-flags.ts';
import { freePort } from './ports.ts';
import { ManagedProcess, sleep } from './processes.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

export interface OperatorProcessOptions {
  readonly kubeconfig: string;
  readonly storeEndpoints: readonly string[];
  /** Where the log and pid files go. */
  readonly dir: string;
  readonly args?: readonly string[];
  /** Options for node itself, before the script (e.g. --expose-gc), after the operator's own flags. */
  readonly nodeArgs?: readonly string[];
  /** The operator's Node/V8 flags, as the image passes them; default OPERATOR_NODE_FLAGS (a benchmark comparing flags replaces them). */
  readonly operatorNodeFlags?: readonly string[];
  /** The program to run; default src/main.ts (a compiled dist/main.js runs the way the image does). */
  readonly main?: string;
  /** Added to this process's environment (the settings a Deployment passes as env). */
  readonly env?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
}

export interface OperatorProcess {
  readonly metricsUrl: string;
  readonly process: ManagedProcess;
  readonly logFile: string;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL (a crash). */
  kill(): Promise<void>;
  metrics(): Promise<string>;
  /** The value of one sample of /metrics, e.g. `workqueue_depth{name="configentry"}`; 0 when absent. */
  metric(sample: string): Promise<number>;
  logs(): string;
}

export async function startOperatorProcess(options: OperatorProcessOptions): Promise<OperatorProcess> {
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}`;
  const logFile = join(options.dir, 'operator.log');
  writeFileSync(logFile, ''); // one run per log
  const proc = ManagedProcess.start({
    name: 'cairn-operator',
    command: process.execPath,
    args: [...(options.operatorNodeFlags ?? OPERATOR_NODE_FLAGS), ...(options.nodeArgs ?? []), options.main ?? MAIN, `--kubeconfig=${options.kubeconfig}`, `--etcd-endpoints=${options.storeEndpoints.join(',')}`, `--metrics-address=127.0.0.1:${port}`, ...(options.args ?? [])],
    logFile,
    pidFile: join(options.dir, 'pids'),
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    proc.assertRunning();
    if (await fetch(`${metricsUrl}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`operator not ready after ${timeoutMs} ms; last lines of ${logFile}:\n${proc.logTail(40)}`);
    }
    await sleep(50);
  }
  return operatorHandle(proc, metricsUrl, logFile);
}

/** The handle of an operator process serving Prometheus text at `metricsUrl`/metrics (Cairn's, or the benchmark's Go reference). */
export function operatorHandle(proc: ManagedProcess, metricsUrl: string, logFile: string): OperatorProcess {
  const metrics = async (): Promise<string> => (await fetch(`${metricsUrl}/metrics`)).text();
  return {
    metricsUrl,
    process: proc,
    logFile,
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
