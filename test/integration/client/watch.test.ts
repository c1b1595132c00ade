/**
 * The reader's watch across a member restart and an etcd compaction, on a 3-member etcd of its own:
 * the reader is connected to member 0 only; changes are committed through the others while member 0
 * is down. Once without compaction (the watch resumes from its last revision: every change yielded one
 * by one), once with history compacted past that revision while it was away (a `resync` snapshot,
 * then changes again). The oracle is the writer's own log of what it committed at which revision:
 * no change lost (yielded, or covered by a later snapshot), none repeated, order kept, and the state
 * the stream builds equals the store's. A put served without a read of its meta (etcd's own Range
 * counter on the reader's member). And a value changed behind Cairn's back: yielded as rejected,
 * the watch going on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Change, type Client, createClient, database, type Database, IntegrityError, type Watch } from '../../../src/client/index.ts';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { controlPlane } from '../../support/cluster.ts';
import { eventually } from '../../support/fixture.ts';
import { commitDirectly, deleteDirectly } from './commits.ts';

const prefix = '/reader';
const ns = 'shop';
const dir = mkdtempSync(join(tmpdir(), 'cairn-reader-watch-'));
const base = databaseDefinition.schema.parse(databaseDefinition.example);
let cluster: EtcdCluster;
let writer: Etcd3;
let client: Client;

/** What the writer committed: key -> port at each revision (undefined: deleted). */
const log: { revision: string; key: string; port: number | undefined }[] = [];
let port = 1000;

async function put(key: string): Promise<void> {
  port += 1;
  log.push({ revision: await commitDirectly(writer, prefix, ns, key, 'database@v1', { ...base, port }), key, port });
}
async function remove(key: string): Promise<void> {
  log.push({ revision: await deleteDirectly(writer, prefix, ns, key), key, port: undefined });
}

beforeAll(async () => {
  cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'reader', members: 3, pidFile: join(dir, 'pids') });
  writer = new Etcd3({ hosts: cluster.endpoints.slice(1) });
  client = createClient({ endpoints: cluster.endpoints.slice(0, 1), prefix, requestTimeoutMs: 2_000 });
}, 120_000);
afterAll(async () => {
  await client.close();
  writer.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The Range requests etcd member `endpoint` has answered so far, by its own gRPC counter (any outcome). */
async function rangesServed(endpoint: string): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith('grpc_server_handled_total{') && l.includes('grpc_method="Range"'));
  if (lines.length === 0) throw new Error(`no grpc_server_handled_total for Range at ${endpoint}/metrics`);
  return lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

function big(revision: string): bigint {
  return BigInt(revision);
}

describe('watch', () => {
  it('across a member restart and a compaction: loses no change, repeats none, keeps the order, and ends in the store’s state', async () => {
    await put('svc/a');
    await put('svc/b');
    await put('other/x'); // outside the watched key prefix
    const seen: Change<Database>[] = [];
    const watch: Watch<Database> = client.watch(ns, { prefix: 'svc/', schema: database });
    const consumed = (async () => {
      for await (const change of watch) seen.push(change);
    })();
    const reached = (revision: string) => eventually(`the watch at revision ${revision}`, async () => (seen.some((c) => big(c.revision) >= big(revision)) ? true : undefined), 60_000);
    const last = () => log[log.length - 1]?.revision as string;

    await eventually('the initial snapshot', async () => (seen.length > 0 ? true : undefined));
    await put('svc/a');
    await remove('svc/b');
    await put('svc/c');
    await reached(last());

    // Member 0 (the reader's only endpoint) restarts; changes committed meanwhile are yielded one by one.
    await cluster.kill(0);
    const whileAway = log.length;
    await put('svc/a');
    await put('svc/b');
    await put('svc/a');
    await cluster.restart(0);
    await reached(last());
    const yieldedAfterRestart = log.slice(whileAway).map((op) => op.revision);
    expect(seen.filter((c) => c.type !== 'resync').map((c) => c.revision)).toEqual(expect.arrayContaining(yieldedAfterRestart));

    // Again, and this time history is compacted past the watch's revision while it is away.
    await cluster.kill(0);
    await put('svc/c');
    await remove('svc/a');
    await put('svc/b');
    await writer.kv.compact({ revision: last(), physical: true });
    await cluster.restart(0);
    await reached(last());
    await put('svc/a');
    await reached(last());
    await watch.close();
    await consumed;

    // Order kept, none repeated: every item's revision above the one before.
    const revisions = seen.map((c) => big(c.revision));
    for (let i = 1; i < revisions.length; i++) expect(revisions[i]! > revisions[i - 1]!).toBe(true);
    expect(seen[0]).toMatchObject({ type: 'resync', reason: 'initial' });
    expect(seen.some((c) => c.type === 'resync' && c.reason === 'compacted')).toBe(true);
    expect(seen.filter((c) => c.type === 'rejected')).toEqual([]);

    // Each item is what the writer committed at its revision.
    const watched = log.filter((op) => op.key.startsWith('svc/'));
    for (const change of seen) {
      if (change.type === 'put') expect(watched.find((op) => op.revision === change.revision)).toEqual({ revision: change.revision, key: change.entry.key, port: change.entry.value.port });
      if (change.type === 'delete') expect(watched.find((op) => op.revision === change.revision)).toEqual({ revision: change.revision, key: change.key, port: undefined });
    }

    // No change lost: each is yielded, or covered by a snapshot yielded after the item before it.
    for (const op of watched) {
      const index = seen.findIndex((c) => big(c.revision) >= big(op.revision));
      expect(index, `revision ${op.revision} reached by the stream`).toBeGreaterThanOrEqual(0);
      const item = seen[index] as Change<Database>;
      expect(item.revision === op.revision || item.type === 'resync', `revision ${op.revision} yielded or covered`).toBe(true);
    }

    // The state the stream builds is the store's.
    const state = new Map<string, number>();
    for (const change of seen) {
      if (change.type === 'resync') {
        state.clear();
        for (const e of change.snapshot.entries) state.set(e.key, e.value.port);
      } else if (change.type === 'put') state.set(change.entry.key, change.entry.value.port);
      else state.delete(change.key);
    }
    const now = await client.list<Database>(ns, { prefix: 'svc/', schema: database });
    expect(Object.fromEntries(state)).toEqual(Object.fromEntries(now.entries.map((e) => [e.key, e.value.port])));
    expect(now.entries.map((e) => e.key)).toEqual(['svc/a', 'svc/b', 'svc/c']);
  }, 180_000);

  it('a put is served with the meta its watch of the meta keys brought: no Range per change reaches etcd (etcd’s own request counter)', async () => {
    await put('count/seed');
    const after = log[log.length - 1]?.revision as string;
    const watch = client.watch<Database>(ns, { prefix: 'count/', schema: database, afterRevision: after });
    const items: Change<Database>[] = [];
    const consumed = (async () => {
      for await (const change of watch) items.push(change);
    })();
    const member = cluster.endpoints[0] as string; // the reader's only endpoint; the writer uses the others
    const before = await rangesServed(member);
    for (let i = 0; i < 5; i++) await put(`count/${i}`);
    await eventually('five items', async () => (items.length >= 5 ? true : undefined), 30_000);
    const served = (await rangesServed(member)) - before;
    await watch.close();
    await consumed;
    expect(items.map((c) => [c.type, c.revision])).toEqual(log.slice(-5).map((op) => ['put', op.revision]));
    expect(served).toBe(0);
  }, 60_000);

  it('yields a value changed behind Cairn’s back as rejected (IntegrityError), and goes on', async () => {
    await put('tamper/a');
    const after = log[log.length - 1]?.revision as string;
    const watch = client.watch<Database>(ns, { prefix: 'tamper/', schema: database, afterRevision: after });
    const items: Change<Database>[] = [];
    const consumed = (async () => {
      for await (const change of watch) items.push(change);
    })();
    const tampered = await writer.put(`${prefix}/data/${ns}/tamper/a`).value('{"host":"evil"}').exec();
    await put('tamper/a');
    await remove('tamper/a');
    await eventually('three items', async () => (items.length >= 3 ? true : undefined), 30_000);
    await watch.close();
    await consumed;
    expect(items.map((c) => [c.type, c.revision])).toEqual([
      ['rejected', tampered.header.revision],
      ['put', log[log.length - 2]?.revision],
      ['delete', log[log.length - 1]?.revision],
    ]);
    const rejected = items[0] as Extract<Change, { type: 'rejected' }>;
    expect(rejected.error).toBeInstanceOf(IntegrityError);
    expect(rejected.key).toBe('tamper/a');
  }, 60_000);
});
