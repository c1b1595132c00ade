/**
 * Proof that the harness runs real etcd: compare-and-swap is decided by etcd, and a 3-member cluster
 * keeps its quorum rules (one member down: writes go on; two down: writes are refused).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';

describe('the store etcd', () => {
  const client = new Etcd3({ hosts: [...controlPlane().storeEndpoints] });
  const prefix = `/${uniqueName('cp-etcd')}`;
  afterAll(() => client.close());

  it('applies a transaction whose compare holds and refuses one whose compare is stale', async () => {
    const key = `${prefix}/cas`;
    await client.put(key).value('v1');
    const first = await client.get(key).exec();
    const seen = first.kvs[0]?.mod_revision;
    expect(seen).toBeDefined();

    const won = await client.if(key, 'Mod', '==', seen as string).then(client.put(key).value('v2')).commit();
    expect(won.succeeded).toBe(true);

    // Same compare again: the key moved on, so etcd must refuse it and leave the value alone.
    const lost = await client.if(key, 'Mod', '==', seen as string).then(client.put(key).value('v3')).commit();
    expect(lost.succeeded).toBe(false);
    expect(await client.get(key).string()).toBe('v2');

    const absent = await client.if(`${prefix}/new`, 'Create', '==', 0).then(client.put(`${prefix}/new`).value('x')).commit();
    expect(absent.succeeded).toBe(true);
    const again = await client.if(`${prefix}/new`, 'Create', '==', 0).then(client.put(`${prefix}/new`).value('y')).commit();
    expect(again.succeeded).toBe(false);
  });
});

describe('a 3-member etcd cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-quorum-'));
  let cluster: EtcdCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A linearizable write and read through the given members, with a deadline. */
  async function writeThrough(endpoints: string[], key: string, value: string): Promise<string | null> {
    const c = new Etcd3({ hosts: endpoints, dialTimeout: 2_000, defaultCallOptions: () => ({ deadline: Date.now() + 4_000 }) });
    try {
      await c.put(key).value(value);
      return await c.get(key).string();
    } finally {
      c.close();
    }
  }

  async function isLeader(endpoint: string): Promise<boolean> {
    const c = new Etcd3({ hosts: [endpoint] });
    try {
      const status = await c.maintenance.status();
      return status.leader === status.header.member_id;
    } finally {
      c.close();
    }
  }

  it('keeps accepting linearizable writes with one member killed and refuses them with two killed', async () => {
    cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'quorum', members: 3, pidFile: join(dir, 'pids') });
    const [a, b, c] = cluster.endpoints as [string, string, string];
    expect(await writeThrough([a, b, c], '/q/all', '3')).toBe('3');

    await cluster.kill(0);
    expect(await writeThrough([b, c], '/q/one-down', '2')).toBe('2');

    // Kill the leader, so the survivor is a follower: a follower without a leader drops the proposal.
    // (Were the survivor the leader, the refused write would stay in its log and be committed once a
    // peer is back, as Raft allows: a timed-out write has an unknown outcome.)
    const [leaderIndex, survivor] = (await isLeader(b)) ? ([1, c] as const) : ([2, b] as const);
    await cluster.kill(leaderIndex);
    await expect(writeThrough([survivor], '/q/two-down', '1')).rejects.toThrow();

    // Back to a quorum: the write that was refused was never applied, and writes work again.
    await cluster.restart(leaderIndex);
    expect(await writeThrough([b, c], '/q/back', 'ok')).toBe('ok');
    const check = new Etcd3({ hosts: [b, c] });
    try {
      expect(await check.get('/q/two-down').string()).toBeNull();
      expect(await check.get('/q/one-down').string()).toBe('2');
    } finally {
      check.close();
    }
  });
});
