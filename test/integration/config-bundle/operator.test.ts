/**
 * ConfigBundle end to end on the real control plane, against an etcd of the test's own (so the store
 * revision counts this operator's writes only): one transaction per generation, an invalid member
 * blocks all, conflicts with entries both ways, drift on one member corrected with the others
 * untouched, deletion under both policies, a restart that writes nothing, and a reader watching the
 * members while bundles change under load that never sees a mixed state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleMember, ConfigBundle } from '../../../src/api/config-bundle.ts';
import { uniqueName } from '../../support/cluster.ts';
import { Bundles, conditionOf, Entries } from '../../support/entries.ts';
import { eventually } from '../../support/fixture.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader, startOwnStore } from '../../support/store.ts';

const namespace = uniqueName('bundles');
const prefix = `/${uniqueName('bundles')}`;
const bundles = new Bundles(namespace);
const entries = new Entries(namespace);
let ownStore: Awaited<ReturnType<typeof startOwnStore>>;
let store: StoreReader;
let operator: RunningOperator | undefined;

const member = (key: string, database: string): BundleMember => ({ key, schema: 'database@v1', data: { host: 'db.shop.svc', database, user: 'app' } });
const dataKey = (key: string): string => `${prefix}/data/${namespace}/${key}`;
const metaKey = (key: string): string => `${prefix}/meta/${namespace}/${key}`;
const recordKey = (name: string): string => `${prefix}/bundles/${namespace}/${name}`;
const revision = async (): Promise<bigint> => BigInt(await store.revision());
const meta = async (key: string): Promise<{ generation: number; ownerKind?: string; uid: string } | undefined> => {
  const stored = await store.get(metaKey(key));
  return stored === undefined ? undefined : (JSON.parse(stored.value) as { generation: number; ownerKind?: string; uid: string });
};

beforeAll(async () => {
  await entries.createNamespace();
  ownStore = await startOwnStore('bundles');
  store = new StoreReader(ownStore.endpoints);
  operator = await startOperator({ namespace, prefix, storeEndpoints: ownStore.endpoints });
  // Leading (fenced) before any test counts revisions.
  await bundles.create('warm-up', { members: [member('warm/up', 'warm')] });
  await bundles.waitReady('warm-up');
});
afterAll(async () => {
  await operator?.stop();
  await entries.deleteNamespace();
  store?.close();
  await ownStore?.stop();
});

describe('a ConfigBundle generation is one etcd transaction', () => {
  it('commits every member at one revision: the store revision moves by exactly one', async () => {
    const before = await revision();
    await bundles.create('gen', { members: [member('gen/a', 'a'), member('gen/b', 'b'), member('gen/c', 'c')] });
    const ready = await bundles.waitReady('gen');
    expect((await revision()) - before).toBe(1n);
    const committedAt = String(before + 1n);
    expect(ready.status?.revision).toBe(committedAt);
    expect(ready.status?.memberCount).toBe(3);
    for (const key of ['gen/a', 'gen/b', 'gen/c']) {
      expect((await store.get(dataKey(key)))?.modRevision).toBe(committedAt);
      expect((await store.get(metaKey(key)))?.modRevision).toBe(committedAt);
      expect(await meta(key)).toMatchObject({ ownerKind: 'ConfigBundle', uid: ready.metadata.uid, generation: 1 });
    }
    // The bundle record, in the same transaction: what a later generation removes members from.
    const record = await store.get(recordKey('gen'));
    expect(record?.modRevision).toBe(committedAt);
    expect(JSON.parse(record?.value ?? '{}')).toMatchObject({ uid: ready.metadata.uid, generation: 1, members: ['gen/a', 'gen/b', 'gen/c'] });
  });

  it('a later generation that adds, changes and removes members is again one transaction', async () => {
    const before = await revision();
    const unchangedData = (await store.get(dataKey('gen/a')))?.modRevision;
    await bundles.patchSpec('gen', { members: [member('gen/a', 'a'), member('gen/b', 'b2'), member('gen/d', 'd')] });
    const ready = await bundles.waitFor('gen', 'Ready at generation 2', (b) => b.status?.observedGeneration === 2 && conditionOf(b, 'Ready')?.status === 'True');
    expect((await revision()) - before).toBe(1n);
    const committedAt = String(before + 1n);
    expect(ready.status?.revision).toBe(committedAt);
    expect(await store.get(dataKey('gen/c'))).toBeUndefined();
    expect(await store.get(metaKey('gen/c'))).toBeUndefined();
    // The unchanged member's value is not rewritten; its meta records the new generation, at the one revision.
    expect((await store.get(dataKey('gen/a')))?.modRevision).toBe(unchangedData);
    for (const key of ['gen/a', 'gen/b', 'gen/d']) {
      expect((await store.get(metaKey(key)))?.modRevision).toBe(committedAt);
      expect((await meta(key))?.generation).toBe(2);
    }
    expect(ready.status?.members?.map((m) => m.key)).toEqual([dataKey('gen/a'), dataKey('gen/b'), dataKey('gen/d')]);
  });
});

describe('the members a generation drops come from the bundle record in etcd, not from status', () => {
  it('a member added by a generation whose status was then lost is deleted when the next generation drops it', async () => {
    const [a, b, c] = [member('lost/a', 'a'), member('lost/b', 'b'), member('lost/c', 'c')];
    await bundles.create('lost', { members: [a, b] });
    const first = await bundles.waitReady('lost');
    await bundles.patchSpec('lost', { members: [a, b, c] });
    await bundles.waitFor('lost', 'Ready at generation 2', (o) => o.status?.observedGeneration === 2 && conditionOf(o, 'Ready')?.status === 'True');
    expect(await store.get(dataKey('lost/c'))).toBeDefined();
    // Generation 2's status "lost": status names generation 1's members again (the status subresource).
    await bundles.patchStatus('lost', { members: first.status?.members ?? [], revision: first.status?.revision });
    await bundles.patchSpec('lost', { members: [a, b] });
    await bundles.waitFor('lost', 'Ready at generation 3', (o) => o.status?.observedGeneration === 3 && conditionOf(o, 'Ready')?.status === 'True');
    expect(await store.get(dataKey('lost/c'))).toBeUndefined();
    expect(await store.get(metaKey('lost/c'))).toBeUndefined();
    expect(JSON.parse((await store.get(recordKey('lost')))?.value ?? '{}')).toMatchObject({ generation: 3, members: ['lost/a', 'lost/b'] });
  });
});

describe('validation and ownership', () => {
  it('an invalid member blocks the whole bundle: Stalled naming the member and the field, nothing written', async () => {
    const before = await revision();
    await bundles.create('invalid', { members: [member('inv/ok', 'ok'), { key: 'inv/bad', schema: 'database@v1', data: { host: 'db', database: 'x', user: 'u', port: 'x' } }] });
    const stalled = await bundles.waitStalled('invalid', 'InvalidData');
    expect(conditionOf(stalled, 'Stalled')?.message).toMatch(/^member inv\/bad: spec\.members\[1\]\.data\.port: /);
    expect(await store.get(dataKey('inv/ok'))).toBeUndefined();
    expect((await revision()) - before).toBe(0n);
  });

  it('a key owned by an entry cannot be taken by a bundle, nor a bundle member by an entry (KeyConflict naming the owner)', async () => {
    await entries.create('owner', { schema: 'database@v1', key: 'own/entry', data: member('x', 'e').data });
    const entry = await entries.waitReady('owner');
    const entryValue = await store.get(dataKey('own/entry'));
    await bundles.create('taker', { members: [member('own/free', 'f'), member('own/entry', 'other')] });
    const stalled = await bundles.waitStalled('taker', 'KeyConflict');
    expect(conditionOf(stalled, 'Stalled')?.message).toContain(`${dataKey('own/entry')} is owned by ConfigEntry ${namespace}/owner (uid ${entry.metadata.uid})`);
    expect(await store.get(dataKey('own/free'))).toBeUndefined();
    expect(await store.get(dataKey('own/entry'))).toEqual(entryValue);

    const bundle = await bundles.get('gen');
    await entries.create('intruder', { schema: 'database@v1', key: 'gen/a', data: member('x', 'intruder').data });
    const refused = await entries.waitStalled('intruder', 'KeyConflict');
    expect(conditionOf(refused, 'Stalled')?.message).toContain(`is owned by ConfigBundle ${namespace}/gen (uid ${bundle.metadata.uid})`);
  });
});

describe('drift', () => {
  it('a member changed outside Cairn is restored; the other members are untouched', async () => {
    await bundles.create('drift', { members: [member('drift/a', 'a'), member('drift/b', 'b')] });
    await bundles.waitReady('drift');
    const a = { data: await store.get(dataKey('drift/a')), meta: await store.get(metaKey('drift/a')) };
    const committed = (await store.get(dataKey('drift/b')))?.value;
    const bMeta = await store.get(metaKey('drift/b'));
    await store.put(dataKey('drift/b'), '{"edited":"outside"}');
    await eventually('drift/b restored', async () => ((await store.get(dataKey('drift/b')))?.value === committed ? true : undefined));
    expect(await store.get(dataKey('drift/a'))).toEqual(a.data);
    expect(await store.get(metaKey('drift/a'))).toEqual(a.meta);
    expect(await store.get(metaKey('drift/b'))).toEqual(bMeta);
  });
});

describe('deletion', () => {
  it.each([
    ['Delete', false],
    ['Retain', true],
  ] as const)('under %s, every member in one transaction', async (deletionPolicy, kept) => {
    const name = `del-${deletionPolicy.toLowerCase()}`;
    const keys = [`${name}/a`, `${name}/b`];
    await bundles.create(name, { deletionPolicy, members: keys.map((k) => member(k, 'x')) });
    await bundles.waitReady(name);
    const values = await Promise.all(keys.map((k) => store.get(dataKey(k))));
    const before = await revision();
    await bundles.delete(name);
    await bundles.waitGone(name);
    expect((await revision()) - before).toBe(1n);
    for (const [i, key] of keys.entries()) {
      expect(await store.get(metaKey(key))).toBeUndefined();
      expect(await store.get(dataKey(key))).toEqual(kept ? values[i] : undefined);
    }
  });
});

describe('an operator restarted over committed bundles', () => {
  it('re-confirms every bundle without any etcd write', async () => {
    const ready = (b: ConfigBundle) => conditionOf(b, 'Ready')?.status === 'True';
    await Promise.all(['warm-up', 'gen', 'drift'].map((n) => bundles.waitFor(n, 'Ready', ready)));
    await operator?.stop();
    const before = await revision();
    operator = await startOperator({ namespace, prefix, storeEndpoints: ownStore.endpoints });
    const current = operator;
    await eventually('bundles re-confirmed', async () => ((await current.metric('controller_runtime_reconcile_total{controller="configbundle",result="success"}')) >= 3 ? true : undefined));
    expect(await current.metric('cairn_etcd_txn_total{result="committed"}')).toBe(0);
    // The fence takeover is the one write a new leader makes.
    expect((await revision()) - before).toBe(1n);
  });
});

describe('a reader watching the members while bundles change under load', () => {
  it('never observes a mixed state: at every revision each bundle shows one generation whole (members added, changed and removed together, every member\'s meta at one mod_revision), under concurrent entry writes', async () => {
    const BUNDLES = 3;
    const POOL = 6;
    const GENERATIONS = 8;
    const names = Array.from({ length: BUNDLES }, (_, b) => `load-${b}`);
    // Generation g of bundle b holds the pool's keys m with (m + g) % 3 != 0: each generation adds one
    // member and removes another; even members change their data every generation, odd ones never.
    const specOf = (b: number, g: number) => ({
      members: Array.from({ length: POOL }, (_, m) => m)
        .filter((m) => (m + g) % 3 !== 0)
        .map((m) => member(`load/${b}/${m}`, m % 2 === 0 ? `g${g}m${m}` : `m${m}`)),
    });
    const watched = (key: string): boolean => key.startsWith(`${prefix}/data/${namespace}/load/`) || key.startsWith(`${prefix}/meta/${namespace}/load/`);
    const seen: { revision: number; key: string; type: 'put' | 'delete'; value: string }[] = [];
    const watcher = await store.client.watch().prefix(`${prefix}/`).startRevision(String(BigInt(await store.revision()) + 1n)).create();
    watcher.on('data', (response) => {
      for (const e of response.events) {
        const key = e.kv.key.toString();
        if (watched(key)) seen.push({ revision: Number(e.kv.mod_revision), key, type: e.type === 'Put' ? 'put' : 'delete', value: e.kv.value.toString() });
      }
    });
    // Concurrent load: entries created and changed while the bundles move from generation to generation.
    const noise = Array.from({ length: 6 }, (_, i) => `noise-${i}`);
    const entryLoad = (async () => {
      await Promise.all(noise.map((n) => entries.create(n, { schema: 'database@v1', key: `noise/${n}`, data: member('x', `${n}-0`).data })));
      for (let round = 1; round <= 6; round++) await Promise.all(noise.map((n) => entries.patchSpec(n, { data: member('x', `${n}-${round}`).data })));
    })();
    await Promise.all(names.map((n, b) => bundles.create(n, specOf(b, 1))));
    // Generation 1 committed first, so that each bundle has a transition to show; the rest are not waited for.
    await Promise.all(names.map((n) => bundles.waitReady(n)));
    for (let g = 2; g <= GENERATIONS; g++) await Promise.all(names.map((n, b) => bundles.patchSpec(n, specOf(b, g))));
    await entryLoad;
    const last = await Promise.all(names.map((n) => bundles.waitFor(n, `Ready at generation ${GENERATIONS}`, (o) => o.status?.observedGeneration === GENERATIONS && conditionOf(o, 'Ready')?.status === 'True')));
    const settledAt = Math.max(...last.map((o) => Number(o.status?.revision)));
    await eventually('the watch caught up', async () => (seen.some((s) => s.revision >= settledAt) ? true : undefined));
    await watcher.cancel();

    // Independent of the operator's code: replay what the reader saw, revision by revision, and look at
    // each bundle's members as a reader holds them after each revision.
    const uidOf = new Map(last.map((o, b) => [o.metadata.uid, b]));
    const state = new Map<string, { value: string; modRevision: number }>();
    const revisions = [...new Set(seen.map((s) => s.revision))].sort((a, b) => a - b);
    const generationsSeen = new Set<string>();
    for (const revision of revisions) {
      for (const s of seen.filter((c) => c.revision === revision)) {
        if (s.type === 'put') state.set(s.key, { value: s.value, modRevision: revision });
        else state.delete(s.key);
      }
      for (const [uid, b] of uidOf) {
        const members = [...state].flatMap(([key, held]) => {
          if (!key.startsWith(`${prefix}/meta/`)) return [];
          const record = JSON.parse(held.value) as { uid: string; generation: number; dataHash: string };
          return record.uid === uid ? [{ key: key.slice(`${prefix}/meta/${namespace}/`.length), record, modRevision: held.modRevision }] : [];
        });
        if (members.length === 0) continue;
        const at = `bundle load-${b} at rev ${revision}: ${members.map((m) => `${m.key} gen ${m.record.generation} @${m.modRevision}`).join(', ')}`;
        const generations = new Set(members.map((m) => m.record.generation));
        expect(generations.size, at).toBe(1);
        expect(new Set(members.map((m) => m.modRevision)).size, at).toBe(1);
        const generation = members[0]?.record.generation ?? 0;
        generationsSeen.add(`${b}@${generation}`);
        const wanted = specOf(b, generation).members;
        expect(members.map((m) => m.key).sort(), at).toEqual(wanted.map((m) => m.key).sort());
        for (const m of wanted) {
          const data = state.get(dataKey(m.key));
          expect(data, `${at}: data of ${m.key}`).toBeDefined();
          expect(JSON.parse(data?.value ?? '{}'), `${at}: data of ${m.key}`).toMatchObject(m.data);
          expect(data?.modRevision, `${at}: data of ${m.key}`).toBeLessThanOrEqual(members[0]?.modRevision ?? 0);
        }
      }
    }
    // Every bundle was seen at its first and last generation, and members were removed on the way.
    for (const b of names.keys()) {
      expect(generationsSeen.has(`${b}@1`), `load-${b} gen 1`).toBe(true);
      expect(generationsSeen.has(`${b}@${GENERATIONS}`), `load-${b} gen ${GENERATIONS}`).toBe(true);
    }
    expect(seen.filter((s) => s.type === 'delete' && s.key.startsWith(`${prefix}/meta/`)).length).toBeGreaterThanOrEqual(BUNDLES);
    // And the final set, read at one revision (one range), is the last generation's members throughout.
    for (const b of names.keys()) {
      const records = await store.client.getAll().prefix(`${prefix}/meta/${namespace}/load/${b}/`).strings();
      expect(Object.keys(records).map((k) => k.slice(`${prefix}/meta/${namespace}/`.length)).sort()).toEqual(specOf(b, GENERATIONS).members.map((m) => m.key).sort());
      expect(Object.values(records).map((r) => (JSON.parse(r) as { generation: number }).generation)).toEqual(Array(specOf(b, GENERATIONS).members.length).fill(GENERATIONS));
    }
  });
});
