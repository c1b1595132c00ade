/**
 * The `cairn` command as a user runs it: a process of its own (src/cli/main.ts on this Node), its
 * stdout, stderr and exit code. The environment is built from scratch so nothing of the test runner's
 * shell (a KUBECONFIG, a .cairn/dev of a running `npm run dev`) leaks in.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { controlPlane } from '../../support/cluster.ts';
import { validatorWasmPath } from '../../support/engine.ts';

export interface CairnRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const MAIN = join(import.meta.dirname, '../../../src/cli/main.ts');

/** Settings for the shared control plane, as variables (flags may be added per test). */
export function clusterEnv(prefix = '/cairn'): NodeJS.ProcessEnv {
  const cp = controlPlane();
  return {
    KUBECONFIG: cp.kubeconfig,
    CAIRN_ETCD_ENDPOINTS: cp.storeEndpoints.join(','),
    CAIRN_SCHEMA_ENGINE_FILE: validatorWasmPath(),
    CAIRN_PREFIX: prefix,
  };
}

/** A `cairn` process: its output so far, its end, and a way to stop it by pid with a signal. */
export interface RunningCairn {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has ended by itself. */
  ended(): Promise<CairnRun>;
  stop(signal?: NodeJS.Signals): Promise<CairnRun>;
}

export function startCairn(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): RunningCairn {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? '/',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CAIRN_DEV_DIR: '/nonexistent', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  const closed = new Promise<CairnRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    ended: () => closed,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null) process.kill(child.pid ?? -1, signal);
      return closed;
    },
  };
}

/** Runs `cairn` to its end. */
export function runCairn(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Promise<CairnRun> {
  return startCairn(args, options).ended();
}
