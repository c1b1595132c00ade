/** Installs the generated CRDs with kubectl, as a user does, and waits until they are Established. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CRD_NAME, PLURAL } from '../../src/api/names.ts';
import type { ControlPlaneInfo } from './control-plane.ts';

const CRDS = join(import.meta.dirname, '..', '..', 'crds');

export function installCrds(info: Pick<ControlPlaneInfo, 'kubectl' | 'kubeconfig'>): void {
  const run = (...args: string[]): string => execFileSync(info.kubectl, ['--kubeconfig', info.kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run('apply', '--server-side', '-f', CRDS);
  run('wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD_NAME}`);
  // Established is not served yet: the first lists can answer 429 "storage is (re)initializing".
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      run('get', PLURAL, '--all-namespaces', '--request-timeout=5s');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}
