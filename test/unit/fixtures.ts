/** Builders shared by the domain tables: one valid entry, etcd key states, a plan context. */
import type { ConfigEntry } from '../../src/api/config-entry.ts';
import { canonicalJson, sha256 } from '../../src/domain/canonical.ts';
import type { PlanContext } from '../../src/domain/decision.ts';
import { presentKey } from '../../src/domain/key-state.ts';
import type { KeyState, ObservedKeys, StoredMeta } from '../../src/domain/types.ts';
import { validateData } from '../../src/domain/validate.ts';

export const NOW = new Date('2030-01-02T03:04:05.678Z');
export const CTX: PlanContext = { prefix: '/cairn', fence: { key: '/cairn/fence', revision: '7' }, maxBytes: 262144, now: NOW };
export const DATA_KEY = '/cairn/data/shop/checkout/db';
export const META_KEY = '/cairn/meta/shop/checkout/db';
export const UID = 'uid-1';

export function entry(overrides: { spec?: Partial<ConfigEntry['spec']>; metadata?: Partial<ConfigEntry['metadata']>; status?: ConfigEntry['status'] } = {}): ConfigEntry {
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ConfigEntry',
    metadata: { name: 'checkout-db', namespace: 'shop', uid: UID, generation: 3, ...overrides.metadata },
    spec: {
      schema: 'database@v1',
      key: 'checkout/db',
      data: { host: 'db.shop.svc', database: 'checkout', user: 'checkout' },
      deletionPolicy: 'Delete',
      driftPolicy: 'Correct',
      ...overrides.spec,
    },
    ...(overrides.status === undefined ? {} : { status: overrides.status }),
  };
}

/** The canonical JSON and hash plan() will compute for entry(). */
export function desired(e: ConfigEntry = entry()): { canonical: string; dataHash: string } {
  const v = validateData(e.spec.schema, e.spec.data, { maxBytes: CTX.maxBytes });
  if (!v.ok) throw new Error(v.message);
  return { canonical: v.canonical, dataHash: v.dataHash };
}

export const ABSENT: KeyState = { exists: false };

export function present(value: string, modRevision: string, createRevision = modRevision): KeyState {
  return presentKey(value, modRevision, createRevision);
}

/** The meta record of the default entry (generation 3, desired data), with overrides. */
export function storedMeta(overrides: Partial<StoredMeta> = {}): StoredMeta {
  return {
    schema: 'database@v1',
    uid: UID,
    namespace: 'shop',
    name: 'checkout-db',
    generation: 3,
    dataHash: desired().dataHash,
    committedAt: '2030-01-01T00:00:00Z',
    ...overrides,
  };
}

export function metaValue(overrides: Partial<StoredMeta> = {}): string {
  return canonicalJson(storedMeta(overrides));
}

export function observed(data: KeyState, meta: KeyState, revision = '100'): ObservedKeys {
  return { data, meta, revision };
}

export { sha256 };
