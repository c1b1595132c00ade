/**
 * Two replicas, one leader. A leader that is paused (it wakes up still believing it leads) is
 * replaced, and the fence in etcd makes sure that, once deposed, it cannot write: a commit it sent
 * before the pause reaches etcd only after the successor fenced, and etcd refuses it on the fence's
 * compare alone (the successor leaves that entry's keys as the commit saw them).
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
const FENCING_LOST = 'cairn_fencing_lost_total';
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

  /** The data and meta keys of an entry as etcd holds them: what a commit planned for the entry compares. */
  async function keyRevisions(name: string): Promise<{ data: string | undefined; meta: string | undefined }> {
    const [d, m] = await Promise.all(['data', 'meta'].map((kind) => store.client.get(`${prefix}/${kind}/${namespace}/${name}`).exec()));
    return { data: d?.kvs[0]?.mod_revision, meta: m?.kvs[0]?.mod_revision };
  }

  it('replaces a paused leader, and etcd refuses, by the fence alone, the commit the deposed leader sent', async () => {
    const [old] = await leaders();
    if (old === undefined) throw new Error('no leader');
    const successor = replicas.find((r) => r !== old) as (typeof replicas)[number];
    const committedBefore = await old.operator.metric(COMMITTED);
    const refusedBefore = await old.operator.metric(REFUSED);
    const fencingLostBefore = await old.operator.metric(FENCING_LOST);
    const keysBefore = await keyRevisions('e1');

    // The leader starts committing port 6543; its request is held on the way to etcd; then it is paused.
    old.proxy.holdRequests();
    await entries.patchSpec('e1', { data: { ...data, port: 6543 } });
    await eventually('the old leader to be committing', async () => ((await old.operator.metric(WORKING)) === 1 ? true : undefined));
    old.operator.process.pause();

    // The spec goes back to the committed value, so the successor finds e1 up to date and writes
    // neither of its keys: every compare of the held commit but the fence's still holds when it lands.
    // The successor shows it leads by committing another entry.
    await entries.patchSpec('e1', { data });
    await entries.create('e2', { schema: 'database@v1', data });
    await eventually('the successor to lead', async () => ((await successor.operator.metric(LEADER)) === 1 ? true : undefined));
    await entries.waitReady('e2');
    await entries.waitReady('e1');
    expect(await keyRevisions('e1')).toEqual(keysBefore);

    // The old leader's commit reaches etcd only now, guarded by its old fence; then it wakes.
    expect(old.proxy.deliverRequests()).toBeGreaterThan(0);
    old.operator.process.resume();
    await eventually('etcd to refuse the old leader', async () => ((await old.operator.metric(REFUSED)) > refusedBefore ? true : undefined));
    await eventually('the old leader to step down', async () => ((await old.operator.metric(LEADER)) === 0 ? true : undefined));
    expect(await old.operator.metric(FENCING_LOST)).toBeGreaterThan(fencingLostBefore);
    expect(await old.operator.metric(COMMITTED)).toBe(committedBefore);

    // etcd holds the value first committed, untouched: nothing of the old leader's.
    expect(await keyRevisions('e1')).toEqual(keysBefore);
    const now = await stored('e1');
    expect(now?.value).toMatchObject({ port: data.port });
    expect(now?.version).toBe('1');
    expect(now?.modRevision).toBe((await entries.get('e1')).status?.revision);
    expect((await stored('e2'))?.modRevision).toBe((await entries.get('e2')).status?.revision);
    const fence = JSON.parse((await store.get(`${prefix}/fence`))?.value ?? '{}') as { holder?: string };
    expect(fence.holder).toBeDefined();
    expect(await successor.operator.metric(LEADER)).toBe(1);
  });
});
