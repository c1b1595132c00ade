/** Installs the generated CRDs with kubectl, as a user does, and waits until they are Established. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CRD_NAME } from '../../src/api/names.ts';
import type { ControlPlaneInfo } from './control-plane.ts';

const CRDS = join(import.meta.dirname, '..', '..', 'crds');

export function installCrds(info: Pick<ControlPlaneInfo, 'kubectl' | 'kubeconfig'>): void {
  const run = (...args: string[]): string => execFileSync(info.kubectl, ['--kubeconfig', info.kubeconfig, ...args], { encoding: 'utf8' });
  run('apply', '--server-side', '-f', CRDS);
  run('wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD_NAME}`);
}
