/** ConfigSchemas on the real apiserver for integration tests: kubectl as a user runs it. */
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import type { ConfigSchema } from '../../../src/api/config-schema.ts';
import { controlPlane } from '../../support/cluster.ts';

/** The payments schema of the README: a required enum and a defaulted, bounded integer. */
export const PAYMENTS = {
  type: 'object',
  required: ['currency'],
  properties: {
    currency: { type: 'string', enum: ['EUR', 'USD'] },
    retries: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
  },
};

export interface Kubectl {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

export function kubectl(args: readonly string[], input?: unknown): Kubectl {
  const { kubectl: bin, kubeconfig } = controlPlane();
  const result = spawnSync(bin, ['--kubeconfig', kubeconfig, ...args], { input: input === undefined ? undefined : stringify(input), encoding: 'utf8' });
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
}

/** `kubectl apply -f -` of one object. */
export function apply(object: unknown): Kubectl {
  return kubectl(['apply', '-f', '-'], object);
}

export function configSchema(name: string, versions: readonly { name: string; openAPIV3Schema: unknown; deprecated?: boolean }[]): unknown {
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ConfigSchema',
    metadata: { name },
    spec: { versions: versions.map((v) => ({ name: v.name, ...(v.deprecated ? { deprecated: true } : {}), schema: { openAPIV3Schema: v.openAPIV3Schema } })) },
  };
}

export function getSchema(name: string): ConfigSchema | undefined {
  const result = kubectl(['get', 'configschema', name, '-o', 'json']);
  return result.ok ? (JSON.parse(result.stdout) as ConfigSchema) : undefined;
}

export function conditionOfSchema(schema: ConfigSchema | undefined, type: string): { status: string; reason: string; message: string } | undefined {
  return schema?.status?.conditions?.find((c) => c.type === type);
}
