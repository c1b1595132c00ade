/**
 * The reader's getBundle against bundles the operator committed on the real control plane: a Ready
 * bundle's members at the generation and revision its status reports; NotFound and IntegrityError;
 * and, while a bundle changes generation in a loop, never members of two generations in one answer
 * (checked from the values themselves: every member's value carries the generation that wrote it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleMember } from '../../../src/api/config-bundle.ts';
import { createClient, IntegrityError, NotFoundError, type Client } from '../../../src/client/index.ts';
import { controlPlane } from '../../support/cluster.ts';
import { Bundles, conditionOf } from '../../support/entries.ts';
import { withOperator } from '../../support/fixture.ts';

/** A member whose value names the generation `g` that wrote it (the oracle of the mix test). */
const member = (key: string, g: number): BundleMember => ({ key, schema: 'database@v1', data: { host: 'db.shop.svc', database: `g${g}`, user: 'app' } });
const generationIn = (value: unknown): number => Number(String((value as { database: string }).database).slice(1));

describe('getBundle against bundles the operator committed', () => {
  const f = withOperator('reader-bundle');
  const bundles = new Bundles(f.namespace);
  let client: Client;

  beforeAll(() => {
    client = createClient({ endpoints: controlPlane().storeEndpoints, prefix: f.prefix });
  });
  afterAll(async () => {
    await client.close();
  });

  it('reads every member of a Ready bundle, in spec order, at the generation and revision its status reports', async () => {
    await bundles.create('shop', { members: [member('shop/db', 1), member('shop/limits', 1)] });
    const ready = await bundles.waitReady('shop');
    const bundle = await client.getBundle(f.namespace, 'shop', { atLeast: ready.status?.revision });
    expect(bundle).toMatchObject({ namespace: f.namespace, name: 'shop', generation: 1, revision: ready.status?.revision });
    expect(bundle.members.map((m) => [m.key, m.dataHash, m.schema])).toEqual(ready.status?.members?.map((m) => [m.key.slice(`${f.prefix}/data/${f.namespace}/`.length), m.dataHash, m.schema]));
    expect(bundle.members.map((m) => m.value)).toEqual([expect.objectContaining({ database: 'g1', port: 5432 }), expect.objectContaining({ database: 'g1' })]);
  });

  it('throws NotFoundError for a bundle that never committed', async () => {
    const error = await client.getBundle(f.namespace, 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('throws IntegrityError, naming the member, when a member was changed in etcd behind Cairn\'s back', async () => {
    await bundles.create('edited', { driftPolicy: 'Report', members: [member('edited/a', 1), member('edited/b', 1)] });
    await bundles.waitReady('edited');
    await f.store.put(`${f.prefix}/data/${f.namespace}/edited/b`, '{"edited":"outside"}');
    const error = await client.getBundle(f.namespace, 'edited').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/^bundle .*\/edited: member .*edited\/b: the value was changed outside Cairn/);
  });

  it('never returns members of two generations while the bundle changes generation in a loop', async () => {
    const MEMBERS = 5;
    const GENERATIONS = 15;
    const specOf = (g: number) => ({ members: Array.from({ length: MEMBERS }, (_, i) => member(`loop/${i}`, g)) });
    await bundles.create('loop', specOf(1));
    await bundles.waitReady('loop');
    let writing = true;
    const writer = (async () => {
      for (let g = 2; g <= GENERATIONS; g++) {
        await bundles.patchSpec('loop', specOf(g));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await bundles.waitFor('loop', `Ready at generation ${GENERATIONS}`, (b) => b.status?.observedGeneration === GENERATIONS && conditionOf(b, 'Ready')?.status === 'True');
      writing = false;
    })();
    const generationsSeen = new Set<number>();
    let reads = 0;
    while (writing || reads === 0) {
      const bundle = await client.getBundle(f.namespace, 'loop');
      reads++;
      // The oracle is the values, not the client's own check: each was written by one generation.
      const written = bundle.members.map((m) => generationIn(m.value));
      expect(new Set(written), `read ${reads} at revision ${bundle.readAt}`).toEqual(new Set([bundle.generation]));
      expect(bundle.members).toHaveLength(MEMBERS);
      generationsSeen.add(bundle.generation);
    }
    await writer;
    expect(generationsSeen.size).toBeGreaterThan(1); // the reads did overlap the changes
    const last = await client.getBundle(f.namespace, 'loop');
    expect(last.members.map((m) => generationIn(m.value))).toEqual(Array(MEMBERS).fill(GENERATIONS));
  });
});
