/** What an integration test needs from the shared control plane, isolated per test file. */
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { ControlPlaneInfo } from '../../tools/controlplane/control-plane.ts';

export function controlPlane(): ControlPlaneInfo & { readonly etcd: string } {
  return inject('controlPlane');
}

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane().kubeconfig);
  return kc;
}

/** A name no other test uses: `<base>-<random>`, valid as a namespace and as an etcd prefix segment. */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}
