/**
 * Two replicas, one leader. A leader that is paused (it wakes up still believing it leads) is
 * replaced, and the fence in etcd makes sure that, once deposed, it cannot write: a commit it sent
 * before the pause reaches etcd only after the successor fenced, and etcd refuses it.
 *
 * Each replica reaches etcd through its own TCP proxy, so the test can hold back what the old leader
 * sends (its commit stays in flight, as on a slow network) while the successor takes over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader } from '../../support/store.ts';
import { eventually } from '../../support/fixture.ts';
import { TcpProxy } from '../etcd/tcp-proxy.ts';

const LEADER = 'leader_election_master_status{name="configentry"}';
const COMMITTED = 'cairn_etcd_txn_total{result="committed"}';
const REFUSED = 'cairn_etcd_txn_total{result="compare_failed"}';
const WORKING = 'controller_runtime_active_workers{controller="configentry"}';
const data = lookupSchema('database@v1')?.example as Record<string, unknown>;

describe('leader election and fencing', () => {
  const namespace = uniqueName('leader');
  const prefix = `/${uniqueName('leader')}`;
  const entries = new Entries(namespace);
  const store = new StoreReader();
  const replicas: { operator: RunningOperator; proxy: TcpProxy }[] = [];

  beforeAll(async () => {
    await entries.createNamespace();
    // A long etcd deadline: the old leader's commit must still be waiting for etcd's answer when it wakes.
    const args = ['--leader-elect', `--lease-namespace=${namespace}`, '--lease-name=cairn', '--lease-duration-seconds=3', '--renew-deadline-seconds=2', '--retry-period-seconds=0.5', '--etcd-timeout-ms=60000'];
    for (let i = 0; i < 2; i++) {
      const proxy = await TcpProxy.start(controlPlane().storeEndpoints[0] as string);
      replicas.push({ proxy, operator: await startOperator({ namespace, prefix, storeEndpoints: [proxy.url], args }) });
    }
  });
  afterAll(async () => {
    for (const r of replicas) r.proxy.deliverRequests();
    for (const r of replicas) r.operator.process.resume();
    await Promise.all(replicas.map((r) => r.operator.stop()));
    await Promise.all(replicas.map((r) => r.proxy.stop()));
    await entries.deleteNamespace();
    store.close();
  });

  async function leaders(): Promise<typeof replicas> {
    const flags = await Promise.all(replicas.filter((r) => r.operator.process.running).map(async (r) => ((await r.operator.metric(LEADER)) === 1 ? r : undefined)));
    return flags.filter((r) => r !== undefined);
  }

  /** The data key as etcd holds it, with its version (how many times it was written since created). */
  async function stored(name: string): Promise<{ value: Record<string, unknown>; modRevision: string; version: string } | undefined> {
    const kv = (await store.client.get(`${prefix}/data/${namespace}/${name}`).exec()).kvs[0];
    return kv === undefined ? undefined : { value: JSON.parse(kv.value.toString()) as Record<string, unknown>, modRevision: kv.mod_revision, version: kv.version };
  }

  it('elects exactly one leader, which commits', async () => {
    const [leader] = await eventually('a leader', async () => {
      const found = await leaders();
      return found.length === 1 ? found : undefined;
    });
    await entries.create('e1', { schema: 'database@v1', data });
    await entries.waitReady('e1');
    expect(await leader?.operator.metric(COMMITTED)).toBe(1);
    expect((await stored('e1'))?.version).toBe('1');
  });

  it('replaces a paused leader, and etcd refuses the commit the deposed leader sent', async () => {
    const [old] = await leaders();
    if (old === undefined) throw new Error('no leader');
    const successor = replicas.find((r) => r !== old) as (typeof replicas)[number];
    const committedBefore = await old.operator.metric(COMMITTED);
    const refusedBefore = await old.operator.metric(REFUSED);

    // The leader starts committing port 6543; its request is held on the way to etcd; then it is paused.
    old.proxy.holdRequests();
    await entries.patchSpec('e1', { data: { ...data, port: 6543 } });
    await eventually('the old leader to be committing', async () => ((await old.operator.metric(WORKING)) === 1 ? true : undefined));
    old.operator.process.pause();

    // Meanwhile the spec moves on; the successor takes the Lease once it expires, fences etcd and commits.
    await entries.patchSpec('e1', { data: { ...data, port: 7654 } });
    await eventually('the successor to lead', async () => ((await successor.operator.metric(LEADER)) === 1 ? true : undefined));
    const latest = await entries.waitReady('e1');
    expect(JSON.stringify(latest.spec.data)).toContain('7654');

    // The old leader's commit reaches etcd only now, guarded by its old fence; then it wakes.
    expect(old.proxy.deliverRequests()).toBeGreaterThan(0);
    old.operator.process.resume();
    await eventually('etcd to refuse the old leader', async () => ((await old.operator.metric(REFUSED)) > refusedBefore ? true : undefined));
    await eventually('the old leader to step down', async () => ((await old.operator.metric(LEADER)) === 0 ? true : undefined));

    expect(await old.operator.metric(COMMITTED)).toBe(committedBefore);
    // etcd holds the successor's value, written once since the first commit: nothing of the old leader's.
    const now = await stored('e1');
    expect(now?.value).toMatchObject({ port: 7654 });
    expect(now?.version).toBe('2');
    expect(now?.modRevision).toBe((await entries.get('e1')).status?.revision);
    const fence = JSON.parse((await store.get(`${prefix}/fence`))?.value ?? '{}') as { holder?: string };
    expect(fence.holder).toBeDefined();
    expect(await successor.operator.metric(LEADER)).toBe(1);
  });
});
