/**
 * Ownership of etcd keys: one entry per key, identical unowned values adopted, different ones left
 * alone; a key freed by its owner's deletion passes to the entry that was waiting for it.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/domain/canonical.ts';
import { validateData } from '../../../src/domain/validate.ts';
import { conditionOf } from '../../support/entries.ts';
import { withOperator } from '../../support/fixture.ts';

const limits = (rps: number) => ({ routes: [{ route: '/api/orders', requestsPerSecond: rps, burst: rps * 2 }] });

/** The operator's size limit here: large enough that twice a value near it exceeds etcd's 1.5 MiB request limit. */
const MAX_DATA_BYTES = 1_000_000;

/** A valid feature-flags@v1 value whose canonical JSON is just under MAX_DATA_BYTES (checked below). */
function flagsNearTheLimit(): Record<string, unknown> {
  const variants: Record<string, string> = {};
  for (let i = 0; i < 246; i++) variants[`v${i}`] = 'x'.repeat(4_000);
  return { flags: { big: { type: 'string', variants, defaultVariant: 'v0' } } };
}

describe('ownership of etcd keys', () => {
  const f = withOperator('own', [`--max-data-bytes=${MAX_DATA_BYTES}`]);
  const { namespace, prefix, entries, store } = f;


  it('stalls a second entry claiming a key with KeyConflict naming the owner, and leaves the owner value untouched', async () => {
    await entries.create('first', { schema: 'rate-limits@v1', key: 'shared/limits', data: limits(10) });
    const owner = await entries.waitReady('first');
    await entries.create('second', { schema: 'rate-limits@v1', key: 'shared/limits', data: limits(99) });
    const loser = await entries.waitStalled('second', 'KeyConflict');
    expect(conditionOf(loser, 'Ready')?.message).toContain(`${namespace}/first`);
    const stored = await store.get(`${prefix}/data/${namespace}/shared/limits`);
    expect(stored?.modRevision).toBe(owner.status?.revision);
    expect(JSON.parse(stored?.value ?? '{}')).toMatchObject({ routes: [{ requestsPerSecond: 10 }] });
  });

  it('hands the key to the waiting entry once the owner is deleted', async () => {
    await entries.delete('first');
    const taken = await entries.waitReady('second');
    const stored = await store.get(`${prefix}/data/${namespace}/shared/limits`);
    expect(stored?.modRevision).toBe(taken.status?.revision);
    expect(JSON.parse(stored?.value ?? '{}')).toMatchObject({ routes: [{ requestsPerSecond: 99 }] });
  });

  it('adopts an unowned value only when it is identical, without rewriting it', async () => {
    const valid = validateData('rate-limits@v1', limits(5), { maxBytes: 1 << 20 });
    if (!valid.ok) throw new Error(valid.message);
    const dataKey = `${prefix}/data/${namespace}/adopt/me`;
    await store.put(dataKey, valid.canonical);
    const before = await store.get(dataKey);
    await entries.create('adopter', { schema: 'rate-limits@v1', key: 'adopt/me', data: limits(5) });
    const ready = await entries.waitReady('adopter');
    const after = await store.get(dataKey);
    expect(after?.value).toBe(before?.value);
    expect(ready.status?.dataHash).toBeDefined();
    const meta = JSON.parse((await store.get(`${prefix}/meta/${namespace}/adopt/me`))?.value ?? '{}') as { uid?: string };
    expect(meta.uid).toBe(ready.metadata.uid);
  });

  it('adopts an identical unowned value just under --max-data-bytes (the transaction does not carry it twice)', async () => {
    const data = flagsNearTheLimit();
    const valid = validateData('feature-flags@v1', data, { maxBytes: MAX_DATA_BYTES });
    if (!valid.ok) throw new Error(valid.message);
    expect(Buffer.byteLength(valid.canonical)).toBeGreaterThan(MAX_DATA_BYTES * 0.98);
    const dataKey = `${prefix}/data/${namespace}/adopt/large`;
    await store.put(dataKey, valid.canonical);
    const before = await store.get(dataKey);
    await entries.create('large-adopter', { schema: 'feature-flags@v1', key: 'adopt/large', data });
    const ready = await entries.waitReady('large-adopter');
    expect(ready.status?.dataHash).toBe(valid.dataHash);
    expect((await store.get(dataKey))?.value).toBe(before?.value);
    const meta = JSON.parse((await store.get(`${prefix}/meta/${namespace}/adopt/large`))?.value ?? '{}') as { uid?: string };
    expect(meta.uid).toBe(ready.metadata.uid);
  });

  it('refuses to adopt a different unowned value and leaves it as it was', async () => {
    const dataKey = `${prefix}/data/${namespace}/foreign/value`;
    const foreign = canonicalJson({ written: 'by someone else' });
    await store.put(dataKey, foreign);
    const before = await store.get(dataKey);
    await entries.create('refused', { schema: 'rate-limits@v1', key: 'foreign/value', data: limits(7) });
    const stalled = await entries.waitStalled('refused', 'ValueConflict');
    expect(conditionOf(stalled, 'Ready')?.message).toContain(dataKey);
    expect(await store.get(dataKey)).toEqual(before);
    expect(await store.get(`${prefix}/meta/${namespace}/foreign/value`)).toBeUndefined();
  });
});
