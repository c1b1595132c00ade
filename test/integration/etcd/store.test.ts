/**
 * EtcdStore against the real store etcd: reads at one revision, guarded commits decided by etcd,
 * read-back on failure, and fencing that makes a deposed leader's commits fail in etcd itself.
 */
import type { Etcd3, IRangeRequest } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/domain/canonical.ts';
import type { Compare, Fence, GuardedTxn } from '../../../src/domain/types.ts';
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
    expect(observed.data).toEqual({ exists: true, value: '{"a":1}', hash: sha256('{"a":1}'), createRevision: raw.kvs[0]?.create_revision, modRevision: raw.kvs[0]?.mod_revision });
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
  async function acquired(fenceKey: string, holder: string, seen: string): Promise<Fence> {
    const acquisition = await store.acquireFence(fenceKey, holder, seen);
    if (!acquisition.acquired) throw new Error(`the fence moved to ${acquisition.current}, not expected at ${seen}`);
    return acquisition.fence;
  }

  it('moves the fence on takeover so the deposed leader\'s commits fail in etcd', async () => {
    const fenceKey = `${prefix}/fence`;
    const a = await acquired(fenceKey, 'replica-a', '0');
    const raw = await client.get(fenceKey).exec();
    expect(a).toEqual({ key: fenceKey, revision: raw.kvs[0]?.mod_revision });
    expect(JSON.parse(raw.kvs[0]?.value.toString() ?? '{}')).toMatchObject({ holder: 'replica-a' });

    const k = keys('fenced');
    const fenced = (fence: string): GuardedTxn => writeBoth('fenced', '{"v":1}', '{"uid":"u1"}', [{ kind: 'modRevision', key: fenceKey, equals: fence }]);
    expect((await store.commit(fenced(a.revision))).succeeded).toBe(true);

    const b = await acquired(fenceKey, 'replica-b', a.revision);
    expect(BigInt(b.revision)).toBeGreaterThan(BigInt(a.revision));
    const stale = await store.commit({ ...fenced(a.revision), readBackOnFailure: [fenceKey] });
    expect(stale.succeeded).toBe(false);
    if (!stale.succeeded) expect(stale.readBack[fenceKey]).toMatchObject({ exists: true, modRevision: b.revision });
    expect((await store.commit(fenced(b.revision))).succeeded).toBe(true);
    expect((await store.read(k.data, k.meta)).data).toMatchObject({ exists: true });
  });

  it('refuses an acquisition sent with a fence revision older than the fence, and writes nothing', async () => {
    const fenceKey = `${prefix}/stale-fence`;
    const a = await acquired(fenceKey, 'replica-a', '0');
    const b = await acquired(fenceKey, 'replica-b', a.revision);

    // replica-a's takeover, abandoned, still sends what it saw before replica-b fenced.
    expect(await store.acquireFence(fenceKey, 'replica-a', a.revision)).toEqual({ acquired: false, current: b.revision });
    expect(await store.acquireFence(fenceKey, 'replica-a', '0')).toEqual({ acquired: false, current: b.revision });
    const raw = (await client.get(fenceKey).exec()).kvs[0];
    expect(raw?.mod_revision).toBe(b.revision);
    expect(JSON.parse(raw?.value.toString() ?? '{}')).toMatchObject({ holder: 'replica-b' });

    // A replica holding the Lease takes over from the fence as etcd now holds it.
    const c = await acquired(fenceKey, 'replica-c', b.revision);
    expect(BigInt(c.revision)).toBeGreaterThan(BigInt(b.revision));
    await client.delete().key(fenceKey).exec();
    expect(await store.acquireFence(fenceKey, 'replica-d', c.revision)).toEqual({ acquired: false, current: '0' });
    expect((await acquired(fenceKey, 'replica-d', '0')).key).toBe(fenceKey);
  });
});

describe('EtcdStore.scanPrefix', () => {
  it('visits every key under the prefix, sorted, at one revision', async () => {
    const p = `${prefix}/range/`;
    await client.put(`${p}b`).value('2');
    await client.put(`${p}a`).value('1');
    await client.put(`${prefix}/rangeX`).value('outside');
    const seen: [string, string][] = [];
    const revision = await store.scanPrefix(p, (kv) => seen.push([kv.key, kv.value]));
    expect(seen).toEqual([
      [`${p}a`, '1'],
      [`${p}b`, '2'],
    ]);
    expect(revision).toBe(await store.revision());
  });
});

describe('EtcdStore.scanPrefix in pages, under gRPC\'s default 4 MiB receive limit', () => {
  // A client as main.ts creates it: the receive limit is not lifted.
  const p = `${prefix}/paged/`;
  const COUNT = 23;
  const VALUE = 'v'.repeat(300_000); // 23 keys of 300 kB: about 6.9 MB, over the limit in one response
  const name = (i: number): string => `${p}${String(i).padStart(3, '0')}`;

  it('cannot read the prefix in one range (the oracle that the pages below are needed)', async () => {
    for (let i = 0; i < COUNT; i++) await client.put(name(i)).value(VALUE);
    await expect(client.getAll().prefix(p).keys()).resolves.toHaveLength(COUNT); // keys only: small
    await expect(client.getAll().prefix(p).strings()).rejects.toThrow(/larger than max/);
  });

  it('visits every key once, in order, reading more pages than one (page size 5)', async () => {
    const paged = new EtcdStore(client, { pageSize: 5 });
    const keys: string[] = [];
    let bytes = 0;
    const revision = await paged.scanPrefix(p, (kv) => {
      keys.push(kv.key);
      bytes += kv.value.length;
    });
    expect(keys).toEqual(Array.from({ length: COUNT }, (_, i) => name(i)));
    expect(bytes).toBe(COUNT * VALUE.length);
    expect(BigInt(revision)).toBeGreaterThan(0n);
  });

  it('splits a page that would pass the receive limit (page size 50 of 300 kB values)', async () => {
    const keys: string[] = [];
    await new EtcdStore(client, { pageSize: 50 }).scanPrefix(p, (kv) => keys.push(kv.key));
    expect(keys).toEqual(Array.from({ length: COUNT }, (_, i) => name(i)));
  });

  it('reads every page at the revision of the first, whatever is written meanwhile', async () => {
    // The real client, with the second page's request held until two writes have landed.
    let pages = 0;
    let wrote: Promise<unknown> | undefined;
    const range = async (request: IRangeRequest) => {
      if (++pages === 2) {
        wrote = Promise.all([client.put(name(COUNT - 1)).value('changed'), client.put(name(COUNT)).value('added')]);
        await wrote;
      }
      return client.kv.range(request);
    };
    const paged = new EtcdStore({ kv: { range } } as unknown as Etcd3, { pageSize: 5 });
    const seen = new Map<string, string>();
    const revision = await paged.scanPrefix(p, (kv) => seen.set(kv.key, kv.value === 'changed' || kv.value === 'added' ? 'new' : 'old'));
    expect(wrote).toBeDefined();
    expect(pages).toBeGreaterThan(2);
    expect([...seen.keys()]).toEqual(Array.from({ length: COUNT }, (_, i) => name(i)));
    expect([...seen.values()].every((v) => v === 'old')).toBe(true);
    expect(BigInt((await client.get(name(COUNT)).exec()).kvs[0]?.mod_revision ?? '0')).toBeGreaterThan(BigInt(revision));
  });
});
