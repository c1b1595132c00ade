/**
 * Two replicas, one leader. A leader that is paused (it wakes up still believing it leads) is
 * replaced, and the fence in etcd makes sure that, once deposed, it cannot write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader } from '../../support/store.ts';
import { eventually } from '../../support/fixture.ts';

const LEADER = 'leader_election_master_status{name="configentry"}';
const COMMITTED = 'cairn_etcd_txn_total{result="committed"}';
const data = lookupSchema('database@v1')?.example as Record<string, unknown>;


describe('leader election and fencing', () => {
  const namespace = uniqueName('leader');
  const prefix = `/${uniqueName('leader')}`;
  const entries = new Entries(namespace);
  const store = new StoreReader();
  const replicas: RunningOperator[] = [];

  beforeAll(async () => {
    await entries.createNamespace();
    const args = ['--leader-elect', `--lease-namespace=${namespace}`, '--lease-name=cairn', '--lease-duration-seconds=3', '--renew-deadline-seconds=2', '--retry-period-seconds=0.5'];
    for (let i = 0; i < 2; i++) replicas.push(await startOperator({ namespace, prefix, args }));
  });
  afterAll(async () => {
    for (const r of replicas) r.process.resume();
    await Promise.all(replicas.map((r) => r.stop()));
    await entries.deleteNamespace();
    store.close();
  });

  async function leaders(): Promise<RunningOperator[]> {
    const flags = await Promise.all(replicas.filter((r) => r.process.running).map(async (r) => ((await r.metric(LEADER)) === 1 ? r : undefined)));
    return flags.filter((r): r is RunningOperator => r !== undefined);
  }

  it('elects exactly one leader, which commits', async () => {
    const [leader] = await eventually('a leader', async () => {
      const found = await leaders();
      return found.length === 1 ? found : undefined;
    });
    await entries.create('e1', { schema: 'database@v1', data });
    await entries.waitReady('e1');
    expect(await leader?.metric(COMMITTED)).toBe(1);
  });

  it('replaces a paused leader, and the deposed leader writes nothing after it wakes', async () => {
    const [old] = await leaders();
    if (old === undefined) throw new Error('no leader');
    const successor = replicas.find((r) => r !== old) as RunningOperator;
    const committedBefore = await old.metric(COMMITTED);
    old.process.pause();

    // The successor takes the Lease once it expires, fences etcd, and commits a change.
    await eventually('the successor to lead', async () => ((await successor.metric(LEADER)) === 1 ? true : undefined));
    await entries.patchSpec('e1', { data: { ...data, port: 6543 } });
    const updated = await entries.waitReady('e1');

    old.process.resume();
    // Woken, the old leader still has work queued for e1 and its old fence; etcd refuses its writes.
    await eventually('the old leader to step down', async () => ((await old.metric(LEADER)) === 0 ? true : undefined));
    await entries.patchSpec('e1', { data: { ...data, port: 7654 } });
    const latest = await entries.waitReady('e1');

    expect(await old.metric(COMMITTED)).toBe(committedBefore);
    const stored = await store.get(`${prefix}/data/${namespace}/e1`);
    expect(stored?.modRevision).toBe(latest.status?.revision);
    expect(BigInt(latest.status?.revision ?? '0')).toBeGreaterThan(BigInt(updated.status?.revision ?? '0'));
    expect(JSON.parse(stored?.value ?? '{}')).toMatchObject({ port: 7654 });
    const fence = JSON.parse((await store.get(`${prefix}/fence`))?.value ?? '{}') as { holder?: string };
    expect(fence.holder).toBeDefined();
    expect(await successor.metric(LEADER)).toBe(1);
  });
});
