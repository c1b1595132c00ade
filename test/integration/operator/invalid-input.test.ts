/**
 * Bad input changes nothing: whatever is wrong with a spec (unknown schema, wrong types, missing
 * fields, bad keys, oversized data), either the apiserver refuses it at apply or the entry ends
 * Stalled with a precise message; in both cases etcd receives no write, and the operator goes on
 * serving valid entries. Specs are generated (fast-check), not hand-picked.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSchema, schemaIds } from '../../../src/schemas/index.ts';
import { validateData } from '../../../src/domain/validate.ts';
import { checkRelativeKey } from '../../../src/domain/keys.ts';
import { uniqueName } from '../../support/cluster.ts';
import { Entries, conditionOf } from '../../support/entries.ts';
import { kstatusOf } from '../../support/kstatus.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader, startOwnStore } from '../../support/store.ts';

const MAX_BYTES = 4096;
const TERMINAL = ['InvalidData', 'UnknownSchema', 'InvalidKey', 'DataTooLarge'];

/** Specs that are wrong in one of the ways users get them wrong. */
type Spec = { schema: string; key?: string; data: Record<string, unknown> };

function invalidSpec(): fc.Arbitrary<Spec> {
  const ids = schemaIds();
  const example = (id: string) => structuredClone(lookupSchema(id)?.example) as Record<string, unknown>;
  const knownId = fc.constantFrom(...ids);
  return fc.oneof<fc.Arbitrary<Spec>[]>(
    // an unknown schema (well-formed id)
    fc.record({ schema: fc.stringMatching(/^[a-z]{3,12}@v[2-9]$/).filter((s) => !ids.includes(s)), data: fc.constant({ a: 1 }) }),
    // a field replaced by a value of the wrong type
    knownId.chain((schema) => {
      const data = example(schema);
      const fields = Object.keys(data);
      return fc.record({ schema: fc.constant(schema), data: fc.constantFrom(...fields).chain((f) => fc.oneof(fc.constant('text'), fc.constant(-1), fc.constant([]), fc.constant(true)).map((v) => ({ ...data, [f]: v }))) });
    }),
    // a required field removed
    knownId.chain((schema) => {
      const data = example(schema);
      return fc.record({ schema: fc.constant(schema), data: fc.constantFrom(...Object.keys(data)).map((f) => Object.fromEntries(Object.entries(data).filter(([k]) => k !== f))) });
    }),
    // a key that escapes or breaks the namespace layout
    knownId.chain((schema) =>
      fc.record({ schema: fc.constant(schema), data: fc.constant(example(schema)), key: fc.constantFrom('../up', 'a//b', '/abs', 'a/./b', 'tab\there', 'x'.repeat(300), 'ok/..', '.') }),
    ),
    // data beyond the size limit
    knownId.map((schema) => ({ schema, data: { ...example(schema), padding: 'x'.repeat(MAX_BYTES * 2) } })),
  ).filter((spec) => (spec.key !== undefined && !checkRelativeKey(spec.key).ok) || !validateData(spec.schema, spec.data, { maxBytes: MAX_BYTES }).ok);
}

describe('invalid input', () => {
  const namespace = uniqueName('invalid');
  const prefix = `/${uniqueName('invalid')}`;
  const entries = new Entries(namespace);
  let ownStore: Awaited<ReturnType<typeof startOwnStore>>;
  let store: StoreReader;
  let operator: RunningOperator;

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

  it('never reaches etcd: the store revision does not move, and each entry is refused at apply or Stalled', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(invalidSpec(), async (spec) => {
        const name = `bad-${n++}`;
        const before = await store.revision();
        const created = await entries.create(name, spec).then(
          () => true,
          (e: { code?: number }) => {
            if (e.code !== 422) throw e; // refused by the CRD's rules: also fine, and nothing was written
            return false;
          },
        );
        if (created) {
          const stalled = await entries.waitFor(name, 'Stalled', (e) => conditionOf(e, 'Stalled')?.status === 'True');
          expect(TERMINAL).toContain(conditionOf(stalled, 'Stalled')?.reason);
          expect(conditionOf(stalled, 'Ready')?.message.length).toBeGreaterThan(0);
          expect((await kstatusOf(stalled)).status).toBe('Failed');
        }
        expect(await store.revision()).toBe(before);
      }),
      { numRuns: 25, seed: 20261125 },
    );
  });

  it('keeps serving valid entries next to the invalid ones', async () => {
    const data = lookupSchema('rate-limits@v1')?.example as Record<string, unknown>;
    await entries.create('still-served', { schema: 'rate-limits@v1', data });
    const ready = await entries.waitReady('still-served');
    expect((await kstatusOf(ready)).status).toBe('Current');
    expect((await store.get(ready.status?.key ?? ''))?.modRevision).toBe(ready.status?.revision);
  });
});
