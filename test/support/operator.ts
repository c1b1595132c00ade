/**
 * The operator for one test file: its own process against the shared control plane, scoped to one
 * namespace and one etcd prefix so test files never see each other's entries.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OperatorProcess, startOperatorProcess } from '../../tools/controlplane/operator-process.ts';
import { controlPlane, uniqueName } from './cluster.ts';

export type RunningOperator = OperatorProcess;

export interface OperatorOptions {
  readonly namespace: string;
  readonly prefix: string;
  readonly kubeconfig?: string;
  /** Another etcd than the shared store (tests that count every revision of the store). */
  readonly storeEndpoints?: readonly string[];
  readonly args?: readonly string[];
}

export function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const cp = controlPlane();
  return startOperatorProcess({
    kubeconfig: options.kubeconfig ?? cp.kubeconfig,
    storeEndpoints: options.storeEndpoints ?? cp.storeEndpoints,
    dir: mkdtempSync(join(tmpdir(), 'cairn-op-')),
    // No embedded ConfigSchemas on the shared apiserver: their admission policies are cluster-wide, and
    // test files apply invalid embedded data on purpose (test/integration/schemas/embedded.test.ts
    // keeps them, on a control plane of its own).
    args: [`--watch-namespace=${options.namespace}`, `--prefix=${options.prefix}`, `--identity=${uniqueName('test-operator')}`, '--no-leader-elect', '--log-level=debug', '--no-embedded-config-schemas', ...(options.args ?? [])],
  });
}
