/**
 * What the driver learns from a ConfigEntry object the apiserver returned (a write's response or a
 * watch event): the generation it carries, with the expectation computed by expected.ts, and its
 * status.
 */
import { canonical, hashOf, isValidRateLimits, type RateLimits, withDefaults } from './expected.ts';
import type { GenerationWritten, StatusSeen } from './history.ts';

export const SCHEMA = 'rate-limits@v1';

/** The parts of a ConfigEntry the driver reads; anything the apiserver returns fits. */
export interface EntryObject {
  readonly metadata: { readonly uid?: string; readonly namespace?: string; readonly name?: string; readonly generation?: number; readonly deletionTimestamp?: string };
  readonly spec?: { readonly schema?: string; readonly key?: string; readonly data?: unknown };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly key?: string;
    readonly revision?: string;
    readonly dataHash?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string }[];
  };
}

export function generationOf(object: EntryObject, prefix: string, at: number): GenerationWritten | undefined {
  const { uid, namespace, name, generation } = object.metadata;
  if (uid === undefined || namespace === undefined || name === undefined || generation === undefined || object.spec === undefined) return undefined;
  const data = object.spec.data as RateLimits;
  const valid = object.spec.schema === SCHEMA && isValidRateLimits(data);
  const text = canonical(valid ? withDefaults(data) : data);
  return { uid, namespace, name, generation, dataKey: `${prefix}/data/${namespace}/${object.spec.key ?? name}`, valid, canonical: text, hash: hashOf(text), at };
}

export function statusOf(object: EntryObject, at: number): StatusSeen | undefined {
  const { uid, namespace, name, generation } = object.metadata;
  const status = object.status;
  if (uid === undefined || namespace === undefined || name === undefined || generation === undefined || status === undefined) return undefined;
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  return {
    uid,
    namespace,
    name,
    generation,
    observedGeneration: status.observedGeneration,
    ready: condition('Ready')?.status,
    reason: condition('Ready')?.reason ?? condition('Stalled')?.reason,
    stalled: condition('Stalled')?.status === 'True',
    key: status.key,
    revision: status.revision === undefined ? undefined : Number(status.revision),
    dataHash: status.dataHash,
    at,
  };
}
