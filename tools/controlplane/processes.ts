/**
 * Child processes the harness owns. Every process started here is tracked by pid until it exits, and
 * is stopped when its owner asks, when this Node process exits, or on SIGINT/SIGTERM/SIGHUP: nothing
 * the harness starts may outlive it. A process whose owner died without cleaning up (SIGKILL, OOM) is
 * reaped by the next harness start (see reap.ts), from the pid files written here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';

export interface ProcessSpec {
  /** A short label for logs and errors, e.g. `store-etcd-1`. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr go here; its tail is quoted when the process fails. */
  readonly logFile: string;
  /** Each started pid is appended here so an orphan can be reaped later. */
  readonly pidFile: string;
  readonly env?: NodeJS.ProcessEnv;
}

const live = new Set<ManagedProcess>();
const shutdownHooks: (() => Promise<void>)[] = [];
let handlersInstalled = false;

/**
 * Runs `hook` on SIGINT/SIGTERM/SIGHUP before the harness stops what is left (hooks run newest
 * first). Returns a function that removes the hook, for owners that stopped on their own.
 */
export function onShutdown(hook: () => Promise<void>): () => void {
  shutdownHooks.push(hook);
  installHandlers();
  return () => {
    const at = shutdownHooks.indexOf(hook);
    if (at >= 0) shutdownHooks.splice(at, 1);
  };
}

function killAllNow(): void {
  for (const p of live) p.signal('SIGKILL');
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) {
        killAllNow(); // a second signal means "now"
        process.exit(130);
      }
      stopping = true;
      const deadline = new Promise<void>((r) => setTimeout(r, 15_000).unref());
      const graceful = (async () => {
        for (const hook of shutdownHooks.splice(0).reverse()) await hook().catch(() => {});
        await Promise.all([...live].map((p) => p.stop()));
      })();
      void Promise.race([graceful, deadline]).finally(() => {
        killAllNow();
        process.exit(sig === 'SIGINT' ? 130 : 143);
      });
    });
  }
}

export class ProcessExitedError extends Error {
  override name = 'ProcessExitedError';
}

export class ManagedProcess {
  readonly spec: ProcessSpec;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private exitCode: number | null | undefined;

  private constructor(spec: ProcessSpec, child: ChildProcess) {
    this.spec = spec;
    this.child = child;
    if (child.pid === undefined) throw new Error(`${spec.name}: spawn returned no pid`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        live.delete(this);
        resolve(this.exitCode);
      });
    });
  }

  static start(spec: ProcessSpec): ManagedProcess {
    installHandlers();
    const out = openSync(spec.logFile, 'a');
    const child = spawn(spec.command, spec.args, { stdio: ['ignore', out, out], env: spec.env ?? process.env });
    closeSync(out);
    const managed = new ManagedProcess(spec, child);
    appendFileSync(spec.pidFile, `${managed.pid} ${spec.command}\n`);
    live.add(managed);
    child.on('error', () => {}); // surfaced through `exited` and the log
    return managed;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGCONT'); // a paused process cannot handle SIGTERM
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: the process gets no chance to flush or say goodbye (a crash, for fault tests). */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Throws ProcessExitedError, quoting the log, if the process has exited. */
  assertRunning(): void {
    if (this.running) return;
    throw new ProcessExitedError(`${this.spec.name} exited (code ${this.exitCode}); last lines of ${this.spec.logFile}:\n${this.logTail()}`);
  }
}

/** Polls `check` until it returns true, the process exits, or the timeout passes. */
export async function waitUntil(proc: ManagedProcess, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    proc.assertRunning();
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.assertRunning();
  throw new Error(`${proc.spec.name}: not ${what} after ${timeoutMs} ms; last lines of ${proc.spec.logFile}:\n${proc.logTail()}`);
}
