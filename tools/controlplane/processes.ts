/**
 * Child processes the harness owns. Every process started here is tracked by pid until it exits, and
 * is stopped when its owner asks, when this Node process exits, or on SIGINT/SIGTERM/SIGHUP: nothing
 * the harness starts may outlive it. A process whose owner died without cleaning up (SIGKILL, OOM) is
 * reaped by the next harness start (see reap.ts), from the pid files written here.
 *
 * Signals: children run in a process group of their own (spawned detached), so a terminal's Ctrl-C,
 * which signals the whole foreground group at once, reaches the owner only. The owner then stops
 * them in order (the owners' hooks and each process, on one stack, newest first), so an apiserver is
 * never left without its etcd mid-request and no child dies behind the owner's back while it is
 * still starting. From the first signal on, `shuttingDown` is aborted: every wait of a start-up
 * (waitUntil, sleep, assertRunning, kubectl) ends with a ShutdownError, which owners treat as the
 * expected end it is, never as a failure to report.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
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

/** Hooks and the stop of what is left get this long in all; then everything left is SIGKILLed. */
const SHUTDOWN_DEADLINE_MS = 10_000;
/** Signals this close to the first are the same Ctrl-C, delivered twice (see installSignalHandlers). */
const SAME_KEYPRESS_MS = 1_000;
/** How long one child gets between SIGTERM and SIGKILL when the harness stops on a signal. */
const STOP_GRACE_MS = 5_000;

const live = new Set<ManagedProcess>();
const shutdownHooks: (() => Promise<void>)[] = [];
const shutdown = new AbortController();
setMaxListeners(0, shutdown.signal); // one listener per wait in progress, however many run at once
let handlersInstalled = false;

/** Aborted once the harness has begun to stop (a signal, or shutDown()). */
export const shuttingDown: AbortSignal = shutdown.signal;

/** A start-up step ended because the harness is stopping: expected, not a failure. */
export class ShutdownError extends Error {
  override name = 'ShutdownError';
}

export function throwIfShuttingDown(): void {
  if (shuttingDown.aborted) throw new ShutdownError('stopping');
}

/** Waits `ms`; rejects with ShutdownError as soon as the harness begins to stop. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (shuttingDown.aborted) return reject(new ShutdownError('stopping'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ShutdownError('stopping'));
    };
    const timer = setTimeout(() => {
      shuttingDown.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    shuttingDown.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `hook` when the harness stops (hooks and the processes started here stop newest first). Returns
 * a function that removes the hook, for owners that stopped on their own.
 */
export function onShutdown(hook: () => Promise<void>): () => void {
  shutdownHooks.push(hook);
  installSignalHandlers();
  return () => {
    const at = shutdownHooks.indexOf(hook);
    if (at >= 0) shutdownHooks.splice(at, 1);
  };
}

function killAllNow(): void {
  for (const p of live) p.signal('SIGKILL');
}

/**
 * Stops everything and exits with `exitCode`: aborts `shuttingDown`, runs the hooks newest first,
 * stops the processes still running newest first (SIGTERM, then SIGKILL), and SIGKILLs whatever is
 * left after SHUTDOWN_DEADLINE_MS. A second call while stopping kills at once.
 */
export function shutDown(exitCode: number): void {
  if (shuttingDown.aborted) {
    killAllNow(); // a second signal means "now"
    process.exit(exitCode);
  }
  shutdown.abort();
  const deadline = new Promise<void>((r) => setTimeout(r, SHUTDOWN_DEADLINE_MS));
  const graceful = (async () => {
    for (const hook of shutdownHooks.splice(0).reverse()) await hook().catch(() => {});
    for (const p of [...live].reverse()) await p.stop(STOP_GRACE_MS);
  })();
  void Promise.race([graceful, deadline]).finally(() => {
    killAllNow();
    process.exit(exitCode);
  });
}

/**
 * Installs the SIGINT/SIGTERM/SIGHUP handlers (idempotent). Starting a process or registering a
 * hook installs them; a tool calls this first so that a signal during its start-up is handled too.
 */
export function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  let firstSignalAt: number | undefined;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      // `npm run` forwards the terminal's Ctrl-C to its script, which got it from the terminal as
      // well: one keypress, two signals. Only a signal well after the first means "now".
      if (firstSignalAt !== undefined && Date.now() - firstSignalAt < SAME_KEYPRESS_MS) return;
      firstSignalAt ??= Date.now();
      shutDown(codes[sig]);
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
    throwIfShuttingDown();
    installSignalHandlers();
    const out = openSync(spec.logFile, 'a');
    // detached: a group of its own, out of reach of the terminal's Ctrl-C (see the header).
    const child = spawn(spec.command, spec.args, { stdio: ['ignore', out, out], env: spec.env ?? process.env, detached: true });
    closeSync(out);
    const managed = new ManagedProcess(spec, child);
    appendFileSync(spec.pidFile, `${managed.pid} ${spec.command}\n`);
    live.add(managed);
    // On the same stack as the owners' hooks, so a shutdown stops everything newest first: a process
    // whose owner has not registered its own hook yet (still starting) is stopped before older ones.
    void managed.exited.then(onShutdown(() => managed.stop(STOP_GRACE_MS)));
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

  /**
   * Throws ProcessExitedError, quoting the log, if the process has exited; ShutdownError instead
   * when the harness is stopping (then an exit is expected).
   */
  assertRunning(): void {
    throwIfShuttingDown();
    if (this.running) return;
    throw new ProcessExitedError(`${this.spec.name} exited (code ${this.exitCode}); last lines of ${this.spec.logFile}:\n${this.logTail()}`);
  }
}

/**
 * Polls `check` until it returns true, the process exits (ProcessExitedError), the harness stops
 * (ShutdownError) or the timeout passes.
 */
export async function waitUntil(proc: ManagedProcess, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    proc.assertRunning();
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  proc.assertRunning();
  throw new Error(`${proc.spec.name}: not ${what} after ${timeoutMs} ms; last lines of ${proc.spec.logFile}:\n${proc.logTail()}`);
}
