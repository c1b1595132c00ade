/** A change to a managed key made outside Cairn: restored (Correct) or reported (Report). */
import { describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { conditionOf } from '../../support/entries.ts';
import { eventually, withOperator } from '../../support/fixture.ts';

const flags = lookupSchema('feature-flags@v1')?.example as Record<string, unknown>;


describe('drift', () => {
  const f = withOperator('drift');
  const { namespace, prefix, entries, store } = f;


  it('restores a value changed outside Cairn under driftPolicy Correct, and reports the new revision', async () => {
    await entries.create('corrected', { schema: 'feature-flags@v1', data: flags });
    const ready = await entries.waitReady('corrected');
    const dataKey = `${prefix}/data/${namespace}/corrected`;
    const committed = await store.get(dataKey);
    await store.put(dataKey, '{"tampered":true}');
    const restored = await eventually('the value restored', async () => {
      const now = await store.get(dataKey);
      return now?.value === committed?.value && now?.modRevision !== committed?.modRevision ? now : undefined;
    });
    const after = await entries.waitFor('corrected', 'at the restored revision', (e) => e.status?.revision === restored.modRevision);
    expect(conditionOf(after, 'Ready')?.status).toBe('True');
    expect(after.status?.dataHash).toBe(ready.status?.dataHash);
  });

  it('restores a deleted value under driftPolicy Correct', async () => {
    const dataKey = `${prefix}/data/${namespace}/corrected`;
    const committed = await store.get(dataKey);
    await store.delete(dataKey);
    const restored = await eventually('the value restored', async () => store.get(dataKey));
    expect(restored.value).toBe(committed?.value);
  });

  it('reports, and does not touch, a value changed outside Cairn under driftPolicy Report', async () => {
    await entries.create('reported', { schema: 'feature-flags@v1', data: flags, driftPolicy: 'Report' });
    await entries.waitReady('reported');
    const dataKey = `${prefix}/data/${namespace}/reported`;
    await store.put(dataKey, '{"tampered":true}');
    const tampered = await store.get(dataKey);
    const stalled = await entries.waitStalled('reported', 'DriftReported');
    expect(conditionOf(stalled, 'Ready')?.status).toBe('False');
    expect(conditionOf(stalled, 'Ready')?.message).toContain(dataKey);
    expect(await store.get(dataKey)).toEqual(tampered);
  });
});
