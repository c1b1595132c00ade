/** Installs the generated CRDs with kubectl, as a user does, and waits until they are Established. */
import { join } from 'node:path';
import { BUNDLE_CRD_NAME, BUNDLE_PLURAL, CRD_NAME, PLURAL, SCHEMA_CRD_NAME, SCHEMA_PLURAL } from '../../src/api/names.ts';
import type { ControlPlaneInfo } from './control-plane.ts';
import { kubectl } from './kubectl.ts';
import { ShutdownError, sleep } from './processes.ts';

const CRDS = join(import.meta.dirname, '..', '..', 'crds');

export async function installCrds(info: Pick<ControlPlaneInfo, 'kubectl' | 'kubeconfig'>): Promise<void> {
  await kubectl(info, ['apply', '--server-side', '-f', CRDS]);
  await kubectl(info, ['wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD_NAME}`, `crd/${SCHEMA_CRD_NAME}`, `crd/${BUNDLE_CRD_NAME}`]);
  // Established is not served yet: the first lists can answer 429 "storage is (re)initializing".
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await kubectl(info, ['get', PLURAL, '--all-namespaces', '--request-timeout=5s']);
      await kubectl(info, ['get', SCHEMA_PLURAL, '--request-timeout=5s']);
      await kubectl(info, ['get', BUNDLE_PLURAL, '--all-namespaces', '--request-timeout=5s']);
      return;
    } catch (error) {
      if (Date.now() > deadline || error instanceof ShutdownError) throw error;
      await sleep(100);
    }
  }
}
