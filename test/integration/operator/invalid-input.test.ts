/**
 * Bad input changes nothing: whatever is wrong with a spec (unknown schema, wrong types, ranges,
 * patterns, missing or unknown fields, cross-field rules, bad keys, valid data over the size limit),
 * either the apiserver refuses it at apply or the entry ends Stalled for the right reason with a
 * message naming the field at fault; in both cases etcd receives no write, and the operator goes on
 * serving valid entries. The specs and the expected answers are a hand-written table
 * (test/support/invalid-specs.ts), independent of the validator under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { uniqueName } from '../../support/cluster.ts';
import { Entries, conditionOf } from '../../support/entries.ts';
import { INVALID_DATA, INVALID_KEYS, type InvalidSpec, UNKNOWN_SCHEMAS, namesField, tooLarge } from '../../support/invalid-specs.ts';
import { kstatusOf } from '../../support/kstatus.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader, startOwnStore } from '../../support/store.ts';

const MAX_BYTES = 4096;

describe('invalid input', () => {
  const namespace = uniqueName('invalid');
  const prefix = `/${uniqueName('invalid')}`;
  const entries = new Entries(namespace);
  let ownStore: Awaited<ReturnType<typeof startOwnStore>>;
  let store: StoreReader;
  let operator: RunningOperator;
  let n = 0;

  beforeAll(async () => {
    await entries.createNamespace();
    ownStore = await startOwnStore('invalid');
    store = new StoreReader(ownStore.endpoints);
    operator = await startOperator({ namespace, prefix, storeEndpoints: ownStore.endpoints, args: [`--max-data-bytes=${MAX_BYTES}`] });
  });
  afterAll(async () => {
    await operator?.stop();
    await entries.deleteNamespace();
    store?.close();
    await ownStore?.stop();
  });

  /** Creates the entry; false when the apiserver refused it (422, the CRD's rules). */
  async function create(name: string, row: InvalidSpec): Promise<boolean> {
    return entries.create(name, row.spec).then(
      () => true,
      (e: { code?: number }) => (e.code === 422 ? false : Promise.reject(e)),
    );
  }

  async function expectStalledNamingTheField(name: string, row: InvalidSpec): Promise<void> {
    const stalled = await entries.waitStalled(name, row.reason);
    const message = conditionOf(stalled, 'Ready')?.message ?? '';
    expect(namesField(message, row.field), message).toBe(true);
    expect((await kstatusOf(stalled)).status).toBe('Failed');
  }

  it.each([...INVALID_DATA, ...UNKNOWN_SCHEMAS, ...tooLarge(MAX_BYTES)].map((row) => [row.what, row] as const))(
    'is accepted at apply and Stalled, naming the field, with no etcd write: %s',
    async (_, row) => {
      const name = `bad-${n++}`;
      const before = await store.revision();
      expect(await create(name, row)).toBe(true); // the CRD does not check data or which schemas exist
      await expectStalledNamingTheField(name, row);
      expect(await store.revision()).toBe(before);
    },
  );

  it.each(INVALID_KEYS.map((row) => [row.what, row] as const))('is refused at apply, or Stalled InvalidKey, with no etcd write: %s', async (_, row) => {
    const name = `bad-${n++}`;
    const before = await store.revision();
    if (await create(name, row)) await expectStalledNamingTheField(name, row);
    expect(await store.revision()).toBe(before);
  });

  it('keeps serving valid entries next to the invalid ones', async () => {
    const data = lookupSchema('rate-limits@v1')?.example as Record<string, unknown>;
    await entries.create('still-served', { schema: 'rate-limits@v1', data });
    const ready = await entries.waitReady('still-served');
    expect((await kstatusOf(ready)).status).toBe('Current');
    expect((await store.get(ready.status?.key ?? ''))?.modRevision).toBe(ready.status?.revision);
  });
});
