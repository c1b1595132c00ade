/**
 * kubectl as a user runs it, from the harness: asynchronous (a Ctrl-C is handled while it runs),
 * in a process group of its own like every child (see processes.ts), and killed when the harness
 * begins to stop, which then surfaces as a ShutdownError.
 */
import { spawn } from 'node:child_process';
import type { ControlPlaneInfo } from './control-plane.ts';
import { ShutdownError, shuttingDown, throwIfShuttingDown } from './processes.ts';

export class KubectlError extends Error {
  override name = 'KubectlError';
  /** What kubectl printed on stderr, trimmed. */
  readonly stderr: string;

  constructor(message: string, stderr: string, options?: ErrorOptions) {
    super(message, options);
    this.stderr = stderr;
  }
}

/** Runs `kubectl --kubeconfig <admin> ...args`; resolves to stdout. */
export function kubectl(info: Pick<ControlPlaneInfo, 'kubectl' | 'kubeconfig'>, args: readonly string[], input?: string): Promise<string> {
  throwIfShuttingDown();
  return new Promise((resolve, reject) => {
    // spawn, not execFile: execFile does not pass `detached` on.
    const child = spawn(info.kubectl, ['--kubeconfig', info.kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'], signal: shuttingDown, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', () => {}); // an abort or a failed spawn; 'close' follows and decides
    child.on('close', (code, signal) => {
      if (shuttingDown.aborted) return reject(new ShutdownError('stopping'));
      if (code === 0) return resolve(stdout);
      const why = stderr.trim() || `exit code ${code ?? signal}`;
      reject(new KubectlError(`kubectl ${args.slice(0, 2).join(' ')} failed: ${why}`, stderr.trim()));
    });
    child.stdin.on('error', () => {}); // kubectl may exit before reading its input
    child.stdin.end(input ?? '');
  });
}
