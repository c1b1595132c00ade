/**
 * What the driver learns from a ConfigEntry or ConfigBundle object the apiserver returned (a write's
 * response or a watch event): the generation it carries, with the expectation computed by
 * expected.ts, and its status.
 */
import { canonical, hashOf, isValidRateLimits, type RateLimits, withDefaults } from './expected.ts';
import type { BundleGenerationWritten, BundleMemberWritten, BundleStatusSeen, GenerationWritten, StatusSeen } from './history.ts';

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

/** The parts of a ConfigBundle the driver reads. */
export interface BundleObject {
  readonly metadata: EntryObject['metadata'];
  readonly spec?: { readonly deletionPolicy?: 'Delete' | 'Retain'; readonly members?: readonly { readonly key: string; readonly schema: string; readonly data: unknown }[] };
  readonly status?: Omit<NonNullable<EntryObject['status']>, 'key' | 'dataHash'> & { readonly members?: readonly { readonly key: string; readonly dataHash: string }[] };
}

/** What one (key, schema, data) must store: valid or not, and the canonical JSON expected. */
function expectationOf(dataKey: string, schema: string | undefined, data: unknown): BundleMemberWritten {
  const limits = data as RateLimits;
  const valid = schema === SCHEMA && isValidRateLimits(limits);
  const text = canonical(valid ? withDefaults(limits) : limits);
  return { dataKey, valid, canonical: text, hash: hashOf(text) };
}

export function generationOf(object: EntryObject, prefix: string, at: number): GenerationWritten | undefined {
  const { uid, namespace, name, generation } = object.metadata;
  if (uid === undefined || namespace === undefined || name === undefined || generation === undefined || object.spec === undefined) return undefined;
  const expected = expectationOf(`${prefix}/data/${namespace}/${object.spec.key ?? name}`, object.spec.schema, object.spec.data);
  return { uid, namespace, name, generation, ...expected, at };
}

export function bundleGenerationOf(object: BundleObject, prefix: string, at: number): BundleGenerationWritten | undefined {
  const { uid, namespace, name, generation } = object.metadata;
  if (uid === undefined || namespace === undefined || name === undefined || generation === undefined || object.spec?.members === undefined) return undefined;
  const members = object.spec.members.map((m) => expectationOf(`${prefix}/data/${namespace}/${m.key}`, m.schema, m.data));
  return { uid, namespace, name, generation, deletionPolicy: object.spec.deletionPolicy ?? 'Delete', valid: members.every((m) => m.valid), members, at };
}

/** The fields an entry's and a bundle's status share, from a served object. */
function commonStatusOf(object: EntryObject | BundleObject, at: number) {
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
    revision: status.revision === undefined ? undefined : Number(status.revision),
    at,
  };
}

export function statusOf(object: EntryObject, at: number): StatusSeen | undefined {
  const common = commonStatusOf(object, at);
  return common === undefined ? undefined : { ...common, key: object.status?.key, dataHash: object.status?.dataHash };
}

export function bundleStatusOf(object: BundleObject, at: number): BundleStatusSeen | undefined {
  const common = commonStatusOf(object, at);
  return common === undefined ? undefined : { ...common, members: object.status?.members?.map((m) => ({ key: m.key, dataHash: m.dataHash })) };
}
