import { describe, expect, it } from 'vitest';
import { classifyTxnFailure, isAlreadyApplied, observedFromReadBack } from '../../src/domain/txn-failure.ts';
import { ABSENT, CTX, DATA_KEY, META_KEY, UID, desired, metaValue, observed, present } from './fixtures.ts';

const keys = { relative: 'checkout/db', data: DATA_KEY, meta: META_KEY };
const fence = CTX.fence;
const fenceOk = present('leader', '7');

describe('classifyTxnFailure', () => {
  it.each([
    ['the fence moved', { '/cairn/fence': present('other', '9') }, 'fencingLost'],
    ['the fence is gone', {}, 'fencingLost'],
    ['another entry took the key', { '/cairn/fence': fenceOk, [META_KEY]: present(metaValue({ uid: 'uid-2' }), '8') }, 'keyConflict'],
    ['the meta record is unreadable', { '/cairn/fence': fenceOk, [META_KEY]: present('x', '8') }, 'keyConflict'],
    ['our own meta moved', { '/cairn/fence': fenceOk, [META_KEY]: present(metaValue(), '8') }, 'concurrentChange'],
    ['someone wrote the data key', { '/cairn/fence': fenceOk, [DATA_KEY]: present('{}', '8') }, 'concurrentChange'],
  ])('%s -> %s', (_, readBack, kind) => {
    expect(classifyTxnFailure(readBack, fence, keys, UID).kind).toBe(kind);
  });

  it('names the new owner', () => {
    const readBack = { '/cairn/fence': fenceOk, [META_KEY]: present(metaValue({ uid: 'uid-2', name: 'other' }), '8') };
    expect(classifyTxnFailure(readBack, fence, keys, UID)).toEqual({
      kind: 'keyConflict',
      owner: { kind: 'ConfigEntry', namespace: 'shop', name: 'other', uid: 'uid-2' },
      message: '/cairn/data/shop/checkout/db is owned by ConfigEntry shop/other (uid uid-2)',
    });
  });

  it('checks every pair of a bundle, naming the owner of the first key taken', () => {
    const other = { relative: 'checkout/limits', data: '/cairn/data/shop/checkout/limits', meta: '/cairn/meta/shop/checkout/limits' };
    const readBack = { '/cairn/fence': fenceOk, [META_KEY]: present(metaValue(), '8'), [other.meta]: present(metaValue({ uid: 'uid-3', name: 'limits', ownerKind: 'ConfigBundle' }), '9') };
    expect(classifyTxnFailure(readBack, fence, [keys, other], UID)).toEqual({
      kind: 'keyConflict',
      owner: { kind: 'ConfigBundle', namespace: 'shop', name: 'limits', uid: 'uid-3' },
      message: '/cairn/data/shop/checkout/limits is owned by ConfigBundle shop/limits (uid uid-3)',
    });
    expect(classifyTxnFailure({ '/cairn/fence': fenceOk }, fence, [keys, other], UID).kind).toBe('concurrentChange');
  });

  it('turns the read-back into an observation to plan again from', () => {
    const data = present('{}', '8');
    expect(observedFromReadBack({ [DATA_KEY]: data }, keys, '9')).toEqual(observed(data, ABSENT, '9'));
  });
});

describe('isAlreadyApplied', () => {
  const { canonical, dataHash } = desired();
  it('returns the data revision when meta and data show this commit', () => {
    expect(isAlreadyApplied(observed(present(canonical, '60'), present(metaValue(), '60')), UID, dataHash)).toBe('60');
  });
  it.each([
    ['nothing was written', observed(ABSENT, ABSENT)],
    ['another owner', observed(present(canonical, '60'), present(metaValue({ uid: 'uid-2' }), '60'))],
    ['another value', observed(present(canonical, '60'), present(metaValue({ dataHash: 'sha256:x' }), '60'))],
    ['data changed since', observed(present('{}', '61'), present(metaValue(), '60'))],
  ])('returns undefined when %s', (_, state) => {
    expect(isAlreadyApplied(state, UID, dataHash)).toBeUndefined();
  });
});
