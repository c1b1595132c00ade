/**
 * kstatus's verdict on an object, from the real library (sigs.k8s.io/cli-utils/pkg/kstatus/status,
 * what Flux, kpt and Argo CD's health checks follow), through the small Go command in
 * tools/go/kstatus. Integration tests use it on objects as the operator writes them and as the real
 * apiserver serves them.
 */
import { spawn } from 'node:child_process';
import { resolveBinary } from '../../tools/binaries/resolve.ts';

/** kstatus's status values (status.Status in the library). */
export type KstatusStatus = 'InProgress' | 'Failed' | 'Current' | 'Terminating' | 'NotFound' | 'Unknown';

export interface KstatusResult {
  readonly status: KstatusStatus;
  readonly message: string;
}

export class KstatusError extends Error {
  override name = 'KstatusError';
}

/** Runs kstatus on `object` (serialised as JSON) and returns its verdict. */
export async function kstatusOf(object: unknown): Promise<KstatusResult> {
  const binary = resolveBinary('kstatus');
  if (binary === undefined) {
    throw new KstatusError('the kstatus binary is not built; run `npm run binaries -- ensure kstatus` (npm test does)');
  }
  const { code, stdout, stderr } = await runWithInput(binary.path, JSON.stringify(object));
  if (code !== 0) throw new KstatusError(`kstatus exited with ${code}: ${stderr.trim()}`);
  return parseVerdict(stdout);
}

function parseVerdict(stdout: string): KstatusResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (error) {
    throw new KstatusError(`kstatus printed something other than JSON: ${stdout.trim()}`, { cause: error });
  }
  const { status, message } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof status !== 'string' || typeof message !== 'string') {
    throw new KstatusError(`kstatus printed an unexpected verdict: ${stdout.trim()}`);
  }
  return { status: status as KstatusStatus, message };
}

function runWithInput(path: string, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => reject(new KstatusError(`could not run ${path}`, { cause: error })));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
