/**
 * MetaJoin: which meta a put is joined with, and what it keeps (bounded, forgotten once passed).
 */
import { describe, expect, it } from 'vitest';
import { MetaJoin } from '../../../src/client/meta-join.ts';

const meta = (revision: string) => ({ value: `{"m":${revision}}`, modRevision: revision });

describe('MetaJoin', () => {
  it.each([
    ['the same key at the same revision', 'a', '11', { revision: '11', meta: meta('11') }],
    ['another key at that revision', 'b', '11', undefined],
    ['the same key at another revision', 'a', '12', undefined],
  ])('answers a put with the meta seen for exactly its key and revision: %s', (_, key, revision, expected) => {
    const join = new MetaJoin(10);
    join.offer('a', '11', meta('11'));
    expect(join.take(key, revision)).toEqual(expected);
  });

  it('answers a meta deleted in the put’s revision as no meta (not as unseen)', () => {
    const join = new MetaJoin(10);
    join.offer('a', '11', undefined);
    expect(join.take('a', '11')).toEqual({ revision: '11', meta: undefined });
  });

  it('a meta is taken once', () => {
    const join = new MetaJoin(10);
    join.offer('a', '11', meta('11'));
    join.take('a', '11');
    expect(join.take('a', '11')).toBeUndefined();
  });

  it('forgets every meta below the revision a put asks for, keeps those at and above it', () => {
    const join = new MetaJoin(10);
    join.offer('a', '11', meta('11'));
    join.offer('b', '12', meta('12'));
    join.offer('c', '13', meta('13'));
    join.offer('d', '13', meta('13'));
    expect(join.take('c', '13')).toEqual({ revision: '13', meta: meta('13') });
    expect(join.size).toBe(1);
    expect(join.take('d', '13')).toEqual({ revision: '13', meta: meta('13') });
    expect(join.take('a', '11')).toBeUndefined();
  });

  it('keeps at most `limit` metas, dropping the oldest first', () => {
    const join = new MetaJoin(2);
    join.offer('a', '11', meta('11'));
    join.offer('b', '12', meta('12'));
    join.offer('c', '13', meta('13'));
    expect(join.size).toBe(2);
    expect(join.take('a', '11')).toBeUndefined();
    expect(join.take('b', '12')).toEqual({ revision: '12', meta: meta('12') });
  });
});
