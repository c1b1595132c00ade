/**
 * EtcdStore against the real store etcd: reads at one revision, guarded commits decided by etcd,
 * read-back on failure, and fencing that makes a deposed leader's commits fail in etcd itself.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Compare, GuardedTxn } from '../../../src/domain/types.ts';
import { createEtcdClient } from '../../../src/etcd/client.ts';
import { EtcdRequestTooLargeError } from '../../../src/etcd/errors.ts';
import { EtcdStore } from '../../../src/etcd/store.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';

const client = createEtcdClient({ endpoints: controlPlane().storeEndpoints, requestTimeoutMs: 5_000 });
const store = new EtcdStore(client);
const prefix = `/${uniqueName('etcd-store')}`;
afterAll(() => client.close());

function keys(name: string): { data: string; meta: string } {
  return { data: `${prefix}/data/ns/${name}`, meta: `${prefix}/meta/ns/${name}` };
}

function writeBoth(name: string, data: string, meta: string, compares: Compare[]): GuardedTxn {
  const k = keys(name);
  return {
    compares,
    operations: [
      { kind: 'put', key: k.data, value: data },
      { kind: 'put', key: k.meta, value: meta },
    ],
    readBackOnFailure: [k.data, k.meta],
  };
}

describe('EtcdStore.read', () => {
  it('reports absent keys as absent, at the current revision', async () => {
    const k = keys('absent');
    const before = await store.revision();
    const observed = await store.read(k.data, k.meta);
    expect(observed.data).toEqual({ exists: false });
    expect(observed.meta).toEqual({ exists: false });
    expect(BigInt(observed.revision)).toBeGreaterThanOrEqual(BigInt(before));
  });

  it('returns both keys with their values and revisions from one read', async () => {
    const k = keys('present');
    await client.put(k.data).value('{"a":1}');
    await client.put(k.meta).value('{"uid":"u1"}');
    const raw = await client.get(k.data).exec();
    const observed = await store.read(k.data, k.meta);
    expect(observed.data).toEqual({ exists: true, value: '{"a":1}', createRevision: raw.kvs[0]?.create_revision, modRevision: raw.kvs[0]?.mod_revision });
    expect(observed.meta).toMatchObject({ exists: true, value: '{"uid":"u1"}' });
    expect(BigInt(observed.revision)).toBeGreaterThanOrEqual(BigInt(raw.kvs[0]?.mod_revision ?? '0'));
  });
});

describe('EtcdStore.commit', () => {
  it('applies a commit whose compares hold and returns the data key mod_revision', async () => {
    const k = keys('create');
    const result = await store.commit(writeBoth('create', '{"v":1}', '{"uid":"u1"}', [{ kind: 'absent', key: k.meta }]));
    expect(result.succeeded).toBe(true);
    const raw = await client.get(k.data).exec();
    expect(result.revision).toBe(raw.kvs[0]?.mod_revision);
    expect((await store.read(k.data, k.meta)).meta).toMatchObject({ exists: true, modRevision: result.revision });
  });

  it('refuses a commit whose modRevision compare is stale and reads back the current state', async () => {
    const k = keys('stale');
    const first = await store.commit(writeBoth('stale', '{"v":1}', '{"uid":"u1"}', [{ kind: 'absent', key: k.meta }]));
    // Someone else changes the meta key after we read it.
    await client.put(k.meta).value('{"uid":"other"}');
    const seen = first.revision;
    const result = await store.commit(writeBoth('stale', '{"v":2}', '{"uid":"u1"}', [{ kind: 'modRevision', key: k.meta, equals: seen }]));
    expect(result.succeeded).toBe(false);
    if (result.succeeded) return;
    expect(result.readBack[k.meta]).toMatchObject({ exists: true, value: '{"uid":"other"}' });
    expect(result.readBack[k.data]).toMatchObject({ exists: true, value: '{"v":1}', modRevision: seen });
    expect(await client.get(k.data).string()).toBe('{"v":1}');
  });

  it('refuses an absent-compare on a key that exists', async () => {
    const k = keys('exists');
    await client.put(k.meta).value('{"uid":"someone"}');
    const before = await store.revision();
    const result = await store.commit(writeBoth('exists', '{"v":1}', '{"uid":"u1"}', [{ kind: 'absent', key: k.meta }]));
    expect(result.succeeded).toBe(false);
    expect(await client.get(k.data).string()).toBeNull();
    expect(await store.revision()).toBe(before);
  });

  it('translates a request over etcd\'s size limit into EtcdRequestTooLargeError, writing nothing', async () => {
    const before = await store.revision();
    const huge = 'x'.repeat(2 * 1024 * 1024);
    await expect(store.commit(writeBoth('huge', huge, '{}', []))).rejects.toBeInstanceOf(EtcdRequestTooLargeError);
    expect(await store.revision()).toBe(before);
  });
});

describe('EtcdStore fencing', () => {
  it('moves the fence on takeover so the deposed leader\'s commits fail in etcd', async () => {
    const fenceKey = `${prefix}/fence`;
    const a = await store.acquireFence(fenceKey, 'replica-a');
    const raw = await client.get(fenceKey).exec();
    expect(a).toEqual({ key: fenceKey, revision: raw.kvs[0]?.mod_revision });
    expect(JSON.parse(raw.kvs[0]?.value.toString() ?? '{}')).toMatchObject({ holder: 'replica-a' });

    const k = keys('fenced');
    const fenced = (fence: string): GuardedTxn => writeBoth('fenced', '{"v":1}', '{"uid":"u1"}', [{ kind: 'modRevision', key: fenceKey, equals: fence }]);
    expect((await store.commit(fenced(a.revision))).succeeded).toBe(true);

    const b = await store.acquireFence(fenceKey, 'replica-b');
    expect(BigInt(b.revision)).toBeGreaterThan(BigInt(a.revision));
    const stale = await store.commit({ ...fenced(a.revision), readBackOnFailure: [fenceKey] });
    expect(stale.succeeded).toBe(false);
    if (!stale.succeeded) expect(stale.readBack[fenceKey]).toMatchObject({ exists: true, modRevision: b.revision });
    expect((await store.commit(fenced(b.revision))).succeeded).toBe(true);
    expect((await store.read(k.data, k.meta)).data).toMatchObject({ exists: true });
  });
});

describe('EtcdStore.rangePrefix', () => {
  it('returns every key under the prefix, sorted, at one revision', async () => {
    const p = `${prefix}/range/`;
    await client.put(`${p}b`).value('2');
    await client.put(`${p}a`).value('1');
    await client.put(`${prefix}/rangeX`).value('outside');
    const snapshot = await store.rangePrefix(p);
    expect(snapshot.kvs.map((kv) => [kv.key, kv.value])).toEqual([
      [`${p}a`, '1'],
      [`${p}b`, '2'],
    ]);
    expect(snapshot.revision).toBe(await store.revision());
  });
});
