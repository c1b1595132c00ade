/**
 * Installs deploy/admission/finalizer-policy.yaml (the MutatingAdmissionPolicy that adds the Cairn
 * finalizer on create, and its binding) with kubectl, as a user does, and waits until the apiserver
 * applies it: policies take effect when the apiserver's policy informer has seen them, a moment
 * after the create returns. Idempotent (server-side apply), so parallel or repeated runs are fine.
 */
import { join } from 'node:path';
import { API_VERSION, FINALIZER, KIND } from '../../src/api/names.ts';
import type { ControlPlaneInfo } from './control-plane.ts';
import { KubectlError, kubectl } from './kubectl.ts';
import { sleep } from './processes.ts';

export const ADMISSION_POLICY_FILE = join(import.meta.dirname, '..', '..', 'deploy', 'admission', 'finalizer-policy.yaml');

/** A ConfigEntry that only a server-side dry run ever sees: the probe for "the policy is active". */
const PROBE = JSON.stringify({
  apiVersion: API_VERSION,
  kind: KIND,
  metadata: { name: 'cairn-admission-probe', namespace: 'default' },
  spec: { schema: 'feature-flags@v1', data: {} },
});

export async function installAdmissionPolicy(info: Pick<ControlPlaneInfo, 'kubectl' | 'kubeconfig'>, timeoutMs = 30_000): Promise<void> {
  await kubectl(info, ['apply', '--server-side', '-f', ADMISSION_POLICY_FILE]);
  await waitForFinalizerAtAdmission(info, timeoutMs);
}

async function waitForFinalizerAtAdmission(info: Pick<ControlPlaneInfo, 'kubectl' | 'kubeconfig'>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const created = JSON.parse(await kubectl(info, ['create', '--dry-run=server', '-o', 'json', '-f', '-'], PROBE)) as { metadata: { finalizers?: string[] } };
      if (created.metadata.finalizers?.includes(FINALIZER)) return;
      last = `finalizers after admission: ${JSON.stringify(created.metadata.finalizers ?? [])}`;
    } catch (error) {
      // A CRD just Established may not be served for a moment yet (503): try again.
      if (!(error instanceof KubectlError)) throw error;
      last = error.stderr;
    }
    if (Date.now() > deadline) throw new Error(`the admission policy in ${ADMISSION_POLICY_FILE} did not add ${FINALIZER} within ${timeoutMs} ms (${last})`);
    await sleep(100);
  }
}
