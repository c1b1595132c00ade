import { describe, expect, it } from 'vitest';
import { parseStoredMeta, serializeStoredMeta } from '../../src/domain/stored-meta.ts';
import { metaValue, storedMeta } from './fixtures.ts';

describe('the meta record', () => {
  it('round-trips with the fence revision its transaction compared', () => {
    const record = storedMeta({ fence: '42' });
    expect(serializeStoredMeta(record)).toContain('"fence":"42"');
    expect(parseStoredMeta(serializeStoredMeta(record))).toEqual(record);
  });

  it.each([
    ['written before the fence was recorded', metaValue(), undefined],
    ['with a fence revision', metaValue({ fence: '42' }), '42'],
    ['with a fence that is not a revision (dropped, the owner still readable)', JSON.stringify({ ...storedMeta(), fence: 42 }), undefined],
    ['with a fence revision 0 (no transaction compares that)', metaValue({ fence: '0' }), undefined],
  ])('is read %s', (_, value, fence) => {
    const parsed = parseStoredMeta(value);
    expect(parsed).toMatchObject({ uid: storedMeta().uid, generation: storedMeta().generation });
    expect(parsed?.fence).toBe(fence);
  });
});
