/**
 * PrefixWatcher when etcd's history is gone or the connection is cut, on an etcd of its own (compacting
 * the shared store would disturb other test files' watches):
 * - a start revision that is already compacted → resync with the full state, then new events;
 * - a partition during which keys change and history is compacted → on reconnect, resync;
 * - a partition without compaction → on reconnect, the missed events, and no resync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { createEtcdClient } from '../../../src/etcd/client.ts';
import { EtcdStore } from '../../../src/etcd/store.ts';
import { controlPlane } from '../../support/cluster.ts';
import { TcpProxy } from './tcp-proxy.ts';
import { type Recorder, record, waitFor } from './watch-recorder.ts';

const dir = mkdtempSync(join(tmpdir(), 'cairn-etcd-compact-'));
let cluster: EtcdCluster;
let direct: Etcd3;
let running: Recorder | undefined;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'compact', members: 1, pidFile: join(dir, 'pids') });
  direct = createEtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: 5_000 });
});
afterEach(async () => running?.watcher.stop());
afterAll(async () => {
  direct.close();
  for (const c of opened) c.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function compactNow(): Promise<string> {
  const revision = await new EtcdStore(direct).revision();
  await direct.kv.compact({ revision, physical: true });
  return revision;
}

describe('PrefixWatcher over compacted history', () => {
  it('resyncs with the full state when its start revision is compacted, then keeps delivering', async () => {
    const p = '/start/';
    await direct.put(`${p}a`).value('1');
    const old = await new EtcdStore(direct).revision();
    await direct.put(`${p}b`).value('2');
    await direct.delete().key(`${p}a`);
    await compactNow();

    running = record(direct, p, { startRevision: old });
    const r = running;
    await waitFor('a resync', () => r.resyncs.length === 1);
    expect(r.resyncs[0]).toMatchObject({ reason: 'compacted', keys: [{ key: `${p}b`, state: { exists: true, value: '2' } }] });
    expect(r.errors.some((e) => e.message.includes('compacted'))).toBe(true);

    await direct.put(`${p}c`).value('3');
    await waitFor('an event after the resync', () => r.events.length === 1);
    expect(r.events[0]).toMatchObject({ type: 'put', key: `${p}c`, value: '3' });
    expect(r.watcher.lastRevision).toBe(r.events[0]?.modRevision);
  });

  it('resyncs after a partition during which keys changed and history was compacted', async () => {
    const p = '/partition/';
    const proxy = await TcpProxy.start(cluster.endpoints[0] as string);
    const viaProxy = createEtcdClient({ endpoints: [proxy.url], requestTimeoutMs: 2_000 });
    opened.push(viaProxy, { close: () => void proxy.stop() });
    await direct.put(`${p}keep`).value('1');
    await direct.put(`${p}gone`).value('1');
    running = record(viaProxy, p, { backoff: { initialMs: 100, maxMs: 300 } });
    const r = running;
    await waitFor('the initial resync', () => r.resyncs.length === 1);

    proxy.partition();
    await waitFor('the watcher to notice the partition', () => r.watcher.state === 'reconnecting');
    await direct.delete().key(`${p}gone`);
    await direct.put(`${p}keep`).value('2');
    await direct.put(`${p}new`).value('3');
    const compacted = await compactNow();
    proxy.heal();

    await waitFor('a second resync', () => r.resyncs.length === 2);
    expect(r.resyncs[1]?.reason).toBe('compacted');
    expect(BigInt(r.resyncs[1]?.revision ?? '0')).toBeGreaterThanOrEqual(BigInt(compacted));
    expect(r.resyncs[1]?.keys.map(({ key, state }) => [key, state.exists ? state.value : undefined])).toEqual([
      [`${p}keep`, '2'],
      [`${p}new`, '3'],
    ]);
    await direct.put(`${p}after`).value('4');
    await waitFor('an event after the resync', () => r.events.some((e) => e.key === `${p}after`));
  });

  it('delivers the changes it missed during a partition when history is still there', async () => {
    const p = '/missed/';
    const proxy = await TcpProxy.start(cluster.endpoints[0] as string);
    const viaProxy = createEtcdClient({ endpoints: [proxy.url], requestTimeoutMs: 2_000 });
    opened.push(viaProxy, { close: () => void proxy.stop() });
    running = record(viaProxy, p, { startRevision: (BigInt(await new EtcdStore(direct).revision()) + 1n).toString(), backoff: { initialMs: 100, maxMs: 300 } });
    const r = running;
    await direct.put(`${p}k`).value('1');
    await waitFor('the first event', () => r.events.length === 1);

    proxy.partition();
    await waitFor('the watcher to notice the partition', () => r.watcher.state === 'reconnecting');
    await direct.put(`${p}k`).value('2');
    await direct.delete().key(`${p}k`);
    proxy.heal();

    await waitFor('the missed events', () => r.events.length === 3);
    expect(r.events.map((e) => e.type)).toEqual(['put', 'put', 'delete']);
    expect(r.resyncs).toEqual([]);
    expect(r.errors.length).toBeGreaterThan(0);
  });
});
