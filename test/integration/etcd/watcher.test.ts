/**
 * PrefixWatcher against the real store etcd: it starts with a full read, then delivers every
 * external change with etcd's mod_revision, and a throwing handler does not stop it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../../src/etcd/client.ts';
import { EtcdStore } from '../../../src/etcd/store.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { type Recorder, record, waitFor } from './watch-recorder.ts';

const client = createEtcdClient({ endpoints: controlPlane().storeEndpoints, requestTimeoutMs: 5_000 });
const store = new EtcdStore(client);
const root = `/${uniqueName('etcd-watch')}`;
let running: Recorder | undefined;
afterEach(async () => running?.watcher.stop());
afterAll(() => client.close());

async function modRevision(key: string): Promise<string | undefined> {
  return (await client.get(key).exec()).kvs[0]?.mod_revision;
}

describe('PrefixWatcher', () => {
  it('starts with a full read and then delivers puts and deletes with their mod_revision', async () => {
    const p = `${root}/a/`;
    await client.put(`${p}data/ns/x`).value('1');
    const created = await modRevision(`${p}data/ns/x`);
    await client.put(`${p}fence`).value('leader');
    const accept = (key: string): boolean => key.startsWith(`${p}data/`) || key.startsWith(`${p}meta/`);
    running = record(client, p, { accept });
    const r = running;
    await waitFor('the initial resync', () => r.resyncs.length === 1);
    expect(r.resyncs[0]).toMatchObject({ reason: 'initial', keys: [{ key: `${p}data/ns/x`, state: { exists: true, value: '1' } }] });

    await client.put(`${p}data/ns/x`).value('2');
    const putRevision = await modRevision(`${p}data/ns/x`);
    await client.put(`${p}fence`).value('other leader'); // not admitted by accept
    const deleted = await client.delete().key(`${p}data/ns/x`).exec();
    await client.put(`${p}meta/ns/x`).value('{"uid":"u"}');
    const metaRevision = await modRevision(`${p}meta/ns/x`);

    await waitFor('three events', () => r.events.length >= 3);
    expect(r.events).toEqual([
      { type: 'put', key: `${p}data/ns/x`, value: '2', modRevision: putRevision, createRevision: created },
      { type: 'delete', key: `${p}data/ns/x`, modRevision: deleted.header.revision },
      { type: 'put', key: `${p}meta/ns/x`, value: '{"uid":"u"}', modRevision: metaRevision, createRevision: metaRevision },
    ]);
    expect(r.watcher.lastRevision).toBe(metaRevision);
    expect(r.errors).toEqual([]);
  });

  it('delivers events from a given start revision, including ones written before start()', async () => {
    const p = `${root}/b/`;
    const from = (BigInt(await store.revision()) + 1n).toString();
    await client.put(`${p}k1`).value('1');
    await client.put(`${p}k2`).value('2');
    running = record(client, p, { startRevision: from });
    const r = running;
    await waitFor('two events', () => r.events.length === 2);
    expect(r.events.map((e) => e.key)).toEqual([`${p}k1`, `${p}k2`]);
    expect(r.resyncs).toEqual([]);
  });

  it('catches up over more than gRPC\'s 4 MiB receive limit of history (etcd fragments the response)', async () => {
    const p = `${root}/large/`;
    const from = (BigInt(await store.revision()) + 1n).toString();
    const value = 'v'.repeat(1_000_000);
    for (let i = 0; i < 6; i++) await client.put(`${p}k${i}`).value(value);
    running = record(client, p, { startRevision: from });
    const r = running;
    await waitFor('six events', () => r.events.length === 6, 20_000);
    expect(r.events.map((e) => [e.key, e.type === 'put' ? e.value.length : 0])).toEqual(Array.from({ length: 6 }, (_, i) => [`${p}k${i}`, value.length]));
    expect(r.errors).toEqual([]);
  });

  it('keeps watching when a handler throws or rejects, and reports each failure', async () => {
    const p = `${root}/c/`;
    let calls = 0;
    running = record(client, p, {
      startRevision: (BigInt(await store.revision()) + 1n).toString(),
      onEvent: (event) => {
        calls++;
        if (event.type === 'put' && event.value === 'throw') throw new Error('handler bug');
        if (event.type === 'put' && event.value === 'reject') return Promise.reject(new Error('async handler bug'));
      },
    });
    const r = running;
    await client.put(`${p}k`).value('throw');
    await client.put(`${p}k`).value('reject');
    await client.put(`${p}k`).value('fine');
    await waitFor('three events', () => r.events.length === 3);
    expect(calls).toBe(3);
    await waitFor('two reported errors', () => r.errors.length === 2);
    expect(r.errors.map((e) => e.message)).toEqual(['handler bug', 'async handler bug']);
    expect(r.watcher.state).toBe('watching');
  });
});
