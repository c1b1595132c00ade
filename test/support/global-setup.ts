/**
 * Starts one real control plane for the whole integration run and hands its coordinates to the
 * tests (vitest provide/inject), with the CRD and the finalizer admission policy installed. Tests
 * isolate themselves: their own namespace, their own etcd prefix.
 */
import type { TestProject } from 'vitest/node';
import { installAdmissionPolicy } from '../../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../../tools/controlplane/install-crds.ts';
import { type ControlPlaneInfo, startControlPlane } from '../../tools/controlplane/control-plane.ts';
import { ensureBinaries } from '../../tools/binaries/ensure.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneInfo & { readonly etcd: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const controlPlane = await startControlPlane({ members: 1, log: (line) => console.log(`[control plane] ${line}`) });
  const { etcd } = await ensureBinaries(['etcd']);
  await installCrds(controlPlane.info);
  // As a production install has it: the finalizer is added at admission. Namespaces labelled
  // cairn.dev/admission-finalizer=disabled are left out (test/integration/deploy proves the
  // operator's own fallback there).
  await installAdmissionPolicy(controlPlane.info);
  project.provide('controlPlane', { ...controlPlane.info, etcd: etcd ?? '' });
  return () => controlPlane.stop();
}
