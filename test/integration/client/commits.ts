/**
 * Commits written straight to etcd the way the operator writes them (data and meta in one
 * transaction, canonical JSON, sha256 of the data), for reader tests on an etcd of their own where the
 * test must control every revision. Written apart from src/: the chaos checker's canonical JSON and
 * node:crypto's sha256, so the reader is checked against an independent writer.
 */
import { createHash } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { canonical } from '../../../tools/chaos/expected.ts';

export function hashOf(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** Puts data and meta of `namespace/key` in one transaction; returns the revision it created. */
export async function commitDirectly(etcd: Etcd3, prefix: string, namespace: string, key: string, schema: string, value: unknown, generation = 1): Promise<string> {
  const data = canonical(value);
  const meta = canonical({ schema, uid: `uid-${namespace}-${key}`, namespace, name: key.replaceAll('/', '-'), generation, dataHash: hashOf(data), committedAt: '2026-01-01T00:00:00Z' });
  const response = await etcd.kv.txn({
    compare: [],
    success: [
      { request_put: { key: Buffer.from(`${prefix}/data/${namespace}/${key}`), value: Buffer.from(data) } },
      { request_put: { key: Buffer.from(`${prefix}/meta/${namespace}/${key}`), value: Buffer.from(meta) } },
    ],
    failure: [],
  });
  return response.header.revision;
}

/** Deletes data and meta in one transaction, as the operator does for deletionPolicy Delete. */
export async function deleteDirectly(etcd: Etcd3, prefix: string, namespace: string, key: string): Promise<string> {
  const response = await etcd.kv.txn({
    compare: [],
    success: [
      { request_delete_range: { key: Buffer.from(`${prefix}/data/${namespace}/${key}`) } },
      { request_delete_range: { key: Buffer.from(`${prefix}/meta/${namespace}/${key}`) } },
    ],
    failure: [],
  });
  return response.header.revision;
}

/**
 * Commits a ConfigBundle's generation as the operator writes one: every member's data and meta
 * (ownerKind ConfigBundle, the generation) and the bundle record `P/bundles/<ns>/<name>` naming the
 * members, in one transaction; returns its revision.
 */
export async function commitBundleDirectly(etcd: Etcd3, prefix: string, namespace: string, name: string, members: readonly { key: string; schema: string; value: unknown }[], generation = 1): Promise<string> {
  const uid = `uid-bundle-${namespace}-${name}`;
  const success = members.flatMap((m) => {
    const data = canonical(m.value);
    const meta = canonical({ ownerKind: 'ConfigBundle', schema: m.schema, uid, namespace, name, generation, dataHash: hashOf(data), committedAt: '2026-01-01T00:00:00Z' });
    return [
      { request_put: { key: Buffer.from(`${prefix}/data/${namespace}/${m.key}`), value: Buffer.from(data) } },
      { request_put: { key: Buffer.from(`${prefix}/meta/${namespace}/${m.key}`), value: Buffer.from(meta) } },
    ];
  });
  const record = canonical({ uid, namespace, name, generation, members: members.map((m) => m.key), fence: '1', committedAt: '2026-01-01T00:00:00Z' });
  success.push({ request_put: { key: Buffer.from(`${prefix}/bundles/${namespace}/${name}`), value: Buffer.from(record) } });
  const response = await etcd.kv.txn({ compare: [], success, failure: [] });
  return response.header.revision;
}
