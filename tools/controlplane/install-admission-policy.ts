/**
 * Installs deploy/admission/finalizer-policy.yaml (the MutatingAdmissionPolicy that adds the Cairn
 * finalizer on create, and its binding) with kubectl, as a user does, and waits until the apiserver
 * applies it: policies take effect when the apiserver's policy informer has seen them, a moment
 * after the create returns. Idempotent (server-side apply), so parallel or repeated runs are fine.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { API_VERSION, FINALIZER, KIND } from '../../src/api/names.ts';
import type { ControlPlaneInfo } from './control-plane.ts';

export const ADMISSION_POLICY_FILE = join(import.meta.dirname, '..', '..', 'deploy', 'admission', 'finalizer-policy.yaml');

/** A ConfigEntry that only a server-side dry run ever sees: the probe for "the policy is active". */
const PROBE = JSON.stringify({
  apiVersion: API_VERSION,
  kind: KIND,
  metadata: { name: 'cairn-admission-probe', namespace: 'default' },
  spec: { schema: 'feature-flags@v1', data: {} },
});

export async function installAdmissionPolicy(info: Pick<ControlPlaneInfo, 'kubectl' | 'kubeconfig'>, timeoutMs = 30_000): Promise<void> {
  const run = (args: string[], input?: string): string => execFileSync(info.kubectl, ['--kubeconfig', info.kubeconfig, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  run(['apply', '--server-side', '-f', ADMISSION_POLICY_FILE]);
  await waitForFinalizerAtAdmission(run, timeoutMs);
}

async function waitForFinalizerAtAdmission(run: (args: string[], input?: string) => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const created = JSON.parse(run(['create', '--dry-run=server', '-o', 'json', '-f', '-'], PROBE)) as { metadata: { finalizers?: string[] } };
      if (created.metadata.finalizers?.includes(FINALIZER)) return;
      last = `finalizers after admission: ${JSON.stringify(created.metadata.finalizers ?? [])}`;
    } catch (error) {
      // A CRD just Established may not be served for a moment yet (503): try again.
      last = String((error as { stderr?: string }).stderr ?? error).trim();
    }
    if (Date.now() > deadline) throw new Error(`the admission policy in ${ADMISSION_POLICY_FILE} did not add ${FINALIZER} within ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
