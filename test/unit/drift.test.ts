import { describe, expect, it } from 'vitest';
import { classifyChange, type LastCommit } from '../../src/domain/drift.ts';
import { DATA_KEY, META_KEY, UID, desired, metaValue } from './fixtures.ts';

const { canonical, dataHash } = desired();
const last: LastCommit = { keys: { data: DATA_KEY, meta: META_KEY }, uid: UID, revision: '60', dataHash };

describe('classifyChange', () => {
  it.each([
    ['our own data put', { kind: 'put', key: DATA_KEY, value: canonical, modRevision: '60' }, 'ours'],
    ['our own meta put', { kind: 'put', key: META_KEY, value: metaValue(), modRevision: '60' }, 'ours'],
    ['an older event', { kind: 'put', key: DATA_KEY, value: '{}', modRevision: '59' }, 'ours'],
    ['a later put of the same bytes', { kind: 'put', key: DATA_KEY, value: canonical, modRevision: '61' }, 'ours'],
    ['a later put of our meta', { kind: 'put', key: META_KEY, value: metaValue({ committedAt: 'x' }), modRevision: '61' }, 'ours'],
    ['a different data value', { kind: 'put', key: DATA_KEY, value: '{"host":"evil"}', modRevision: '61' }, 'drift'],
    ['a deleted data key', { kind: 'delete', key: DATA_KEY, modRevision: '61' }, 'drift'],
    ['a deleted meta key', { kind: 'delete', key: META_KEY, modRevision: '61' }, 'drift'],
    ['a meta naming another owner', { kind: 'put', key: META_KEY, value: metaValue({ uid: 'x' }), modRevision: '61' }, 'drift'],
    ['a foreign key', { kind: 'put', key: '/cairn/data/shop/other', value: '{}', modRevision: '61' }, 'unknown'],
  ] as const)('%s -> %s', (_, change, kind) => {
    expect(classifyChange(change, last).kind).toBe(kind);
  });

  it('says unknown without a record of the last commit', () => {
    expect(classifyChange({ kind: 'delete', key: DATA_KEY, modRevision: '1' }, undefined)).toEqual({ kind: 'unknown' });
  });

  it('describes drift for people', () => {
    expect(classifyChange({ kind: 'delete', key: DATA_KEY, modRevision: '61' }, last)).toEqual({
      kind: 'drift',
      message: '/cairn/data/shop/checkout/db was deleted outside Cairn at revision 61',
    });
  });

  it('compares revisions as int64, not as strings', () => {
    const high: LastCommit = { ...last, revision: '9' };
    expect(classifyChange({ kind: 'put', key: DATA_KEY, value: '{}', modRevision: '10' }, high).kind).toBe('drift');
  });
});
