/**
 * Starts one real control plane for the whole integration run and hands its coordinates to the
 * tests (vitest provide/inject). Tests isolate themselves: their own namespace, their own etcd prefix.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CRD_NAME } from '../../src/api/names.ts';
import { type ControlPlaneInfo, startControlPlane } from '../../tools/controlplane/control-plane.ts';
import { ensureBinaries } from '../../tools/binaries/ensure.ts';

const CRDS = join(import.meta.dirname, '..', '..', 'crds');

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneInfo & { readonly etcd: string };
  }
}

/** The generated CRDs, as a user installs them, Established before any test runs. */
function installCrds(kubectl: string, kubeconfig: string): void {
  const run = (...args: string[]): string => execFileSync(kubectl, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
  run('apply', '--server-side', '-f', CRDS);
  run('wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD_NAME}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const controlPlane = await startControlPlane({ members: 1, log: (line) => console.log(`[control plane] ${line}`) });
  const { etcd } = await ensureBinaries(['etcd']);
  installCrds(controlPlane.info.kubectl, controlPlane.info.kubeconfig);
  project.provide('controlPlane', { ...controlPlane.info, etcd: etcd ?? '' });
  return () => controlPlane.stop();
}
