/** Builders for the bundle tables: a bundle of database@v1 members, their keys, etcd states that show a committed generation. */
import type { BundleMember, ConfigBundle } from '../../src/api/config-bundle.ts';
import { canonicalJson } from '../../src/domain/canonical.ts';
import type { BundlePlanContext, KeyStates } from '../../src/domain/plan-bundle.ts';
import type { BundleRecord } from '../../src/domain/bundle-record.ts';
import type { KeyState, StoredMeta } from '../../src/domain/types.ts';
import { validateData } from '../../src/domain/validate.ts';
import { CTX, present } from './fixtures.ts';

export const BUNDLE_UID = 'bundle-uid-1';
export const BCTX: BundlePlanContext = { ...CTX, maxTxnOps: 128, maxRequestBytes: 1_572_864 };

export function member(key: string, database = key.replace(/[^a-z]/g, '')): BundleMember {
  return { key, schema: 'database@v1', data: { host: 'db.shop.svc', database, user: 'app' } };
}

export function bundle(overrides: { members?: BundleMember[]; spec?: Partial<ConfigBundle['spec']>; metadata?: Partial<ConfigBundle['metadata']>; status?: ConfigBundle['status'] } = {}): ConfigBundle {
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ConfigBundle',
    metadata: { name: 'checkout', namespace: 'shop', uid: BUNDLE_UID, generation: 4, ...overrides.metadata },
    spec: { members: overrides.members ?? [member('checkout/db'), member('checkout/limits')], deletionPolicy: 'Delete', driftPolicy: 'Correct', ...overrides.spec },
    ...(overrides.status === undefined ? {} : { status: overrides.status }),
  };
}

export const dataKey = (key: string): string => `/cairn/data/shop/${key}`;
export const metaKey = (key: string): string => `/cairn/meta/shop/${key}`;

/** What the plan stores for `m`: canonical JSON and its hash. */
export function stored(m: BundleMember): { canonical: string; dataHash: string } {
  const v = validateData(m.schema, m.data, { maxBytes: CTX.maxBytes });
  if (!v.ok) throw new Error(v.message);
  return { canonical: v.canonical, dataHash: v.dataHash };
}

/** A member's meta record as a committed generation wrote it. */
export function bundleMeta(m: BundleMember, overrides: Partial<StoredMeta> = {}): string {
  return canonicalJson({
    ownerKind: 'ConfigBundle',
    schema: m.schema,
    uid: BUNDLE_UID,
    namespace: 'shop',
    name: 'checkout',
    generation: 3,
    dataHash: stored(m).dataHash,
    committedAt: '2030-01-01T00:00:00Z',
    ...overrides,
  });
}

export const RECORD_KEY = '/cairn/bundles/shop/checkout';

/** The bundle record a committed generation wrote, naming `members`. */
export function recordValue(members: readonly BundleMember[], overrides: Partial<BundleRecord> = {}): string {
  return canonicalJson({
    uid: BUNDLE_UID,
    namespace: 'shop',
    name: 'checkout',
    generation: 3,
    members: members.map((m) => m.key),
    fence: '5',
    committedAt: '2030-01-01T00:00:00Z',
    ...overrides,
  });
}

/**
 * etcd holding `members` as committed by this bundle at `revision` (data and meta), and the bundle
 * record naming `record` (the same members by default; `false`: no record, as before records existed).
 */
export function committed(members: readonly BundleMember[], revision = '50', record: readonly BundleMember[] | false = members): Record<string, KeyState> {
  const keys: Record<string, KeyState> = {};
  for (const m of members) {
    keys[dataKey(m.key)] = present(stored(m).canonical, revision);
    keys[metaKey(m.key)] = present(bundleMeta(m), revision);
  }
  if (record !== false) keys[RECORD_KEY] = present(recordValue(record), revision);
  return keys;
}

export function statusOf(members: readonly BundleMember[], revision = '50'): NonNullable<ConfigBundle['status']> {
  return { revision, members: members.map((m) => ({ key: dataKey(m.key), dataHash: stored(m).dataHash, schema: m.schema })) };
}

export type { KeyStates };
