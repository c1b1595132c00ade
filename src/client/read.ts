/**
 * The client's reads of entries: one key (data and meta in one transaction, so at one revision) and
 * a namespace's keys (both prefixes, paginated, at one revision).
 *
 * Errors: UnavailableError for any failure of etcd, PermissionDeniedError when etcd refuses the caller
 * (translate.ts).
 */
import type { Etcd3, IRequestOp } from 'etcd3';
import { checkRelativeKey, dataPrefix, entryKeys, metaPrefix } from '../domain/keys.ts';
import type { EtcdStore } from '../etcd/store.ts';
import { isCompacted, readCall } from './translate.ts';
import type { Consistency } from './types.ts';
import type { RawEntry, StoredKey } from './verify-entry.ts';

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Refuses what cannot name an entry (a caller's mistake, not a read failure): RangeError. */
export function checkEntryName(namespace: string, key?: string): void {
  if (namespace.length > 63 || !NAMESPACE.test(namespace)) throw new RangeError(`namespace ${JSON.stringify(namespace)} is not a Kubernetes namespace name`);
  if (key === undefined) return;
  const check = checkRelativeKey(key);
  if (!check.ok) throw new RangeError(`key ${JSON.stringify(key)} ${check.problem}`);
}

function range(key: string, consistency: Consistency): IRequestOp {
  return { request_range: { key: Buffer.from(key, 'utf8'), serializable: consistency === 'serializable' } };
}

const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Refuses what cannot name a ConfigBundle (a Kubernetes object name in a namespace): RangeError. */
export function checkBundleName(namespace: string, name: string): void {
  checkEntryName(namespace);
  if (name.length > 253 || !OBJECT_NAME.test(name)) throw new RangeError(`bundle name ${JSON.stringify(name)} is not a Kubernetes object name`);
}

/** The data and meta keys of one entry and the revision the store had reached when it answered. */
export async function readEntry(etcd: Etcd3, prefix: string, namespace: string, key: string, consistency: Consistency): Promise<{ raw: RawEntry; storeRevision: string }> {
  const keys = entryKeys(prefix, namespace, key);
  // Ranges only: etcd serves the transaction as one read at one revision (locally when every range is serializable).
  const response = await readCall(`read ${keys.data}`, () =>
    etcd.kv.txn({ compare: [], success: [range(keys.data, consistency), range(keys.meta, consistency)], failure: [] }),
  );
  const stored = (i: number): StoredKey | undefined => {
    const kv = response.responses[i]?.response_range?.kvs[0];
    return kv === undefined ? undefined : { value: kv.value.toString('utf8'), modRevision: kv.mod_revision };
  };
  return { raw: { namespace, key, data: stored(0), meta: stored(1) }, storeRevision: response.header.revision };
}

/** Where the data keys of a namespace (and key prefix) start; `namespace` undefined: every namespace. */
export function entriesPrefix(prefix: string, kind: 'data' | 'meta', namespace: string, keyPrefix = ''): string {
  return `${kind === 'data' ? dataPrefix(prefix) : metaPrefix(prefix)}${namespace}/${keyPrefix}`;
}

const SNAPSHOT_ATTEMPTS = 3;

/**
 * Every entry under the namespace (and key prefix) at one revision, in key order: a data key without
 * meta and a meta key without data are included (verify-entry.ts judges them). Linearizable.
 * A compaction between the two prefix reads (history passed the first read's revision) starts over.
 */
export async function readSnapshot(store: EtcdStore, prefix: string, namespace: string, keyPrefix = ''): Promise<{ revision: string; raws: RawEntry[] }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readSnapshotOnce(store, prefix, namespace, keyPrefix);
    } catch (error) {
      if (attempt >= SNAPSHOT_ATTEMPTS || !isCompacted(error)) throw error;
    }
  }
}

async function readSnapshotOnce(store: EtcdStore, prefix: string, namespace: string, keyPrefix: string): Promise<{ revision: string; raws: RawEntry[] }> {
  const data = new Map<string, StoredKey>();
  const meta = new Map<string, StoredKey>();
  const dataStart = entriesPrefix(prefix, 'data', namespace, keyPrefix);
  const metaStart = entriesPrefix(prefix, 'meta', namespace, keyPrefix);
  const relative = (key: string, start: string): string => keyPrefix + key.slice(start.length);
  const revision = await readCall(`read prefix ${dataStart}`, () =>
    store.scanPrefix(dataStart, (kv) => data.set(relative(kv.key, dataStart), { value: kv.value, modRevision: kv.modRevision })),
  );
  await readCall(`read prefix ${metaStart}`, () =>
    store.scanPrefix(metaStart, (kv) => meta.set(relative(kv.key, metaStart), { value: kv.value, modRevision: kv.modRevision }), revision),
  );
  const keys = [...new Set([...data.keys(), ...meta.keys()])].filter((k) => checkRelativeKey(k).ok).sort();
  return { revision, raws: keys.map((key) => ({ namespace, key, data: data.get(key), meta: meta.get(key) })) };
}
