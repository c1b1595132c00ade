import { describe, expect, it } from 'vitest';
import { FINALIZER } from '../../src/api/names.ts';
import { finalizerState, hasFinalizer, withFinalizer, withoutFinalizer } from '../../src/domain/finalizer.ts';

const T = '2030-01-01T00:00:00Z';

describe('finalizerState', () => {
  it.each([
    [{}, 'needsFinalizer'],
    [{ finalizers: ['other'] }, 'needsFinalizer'],
    [{ finalizers: [FINALIZER] }, 'active'],
    [{ finalizers: ['other', FINALIZER], deletionTimestamp: T }, 'finalizing'],
    [{ finalizers: ['other'], deletionTimestamp: T }, 'released'],
    [{ deletionTimestamp: T }, 'released'],
  ])('%j -> %s', (metadata, state) => {
    expect(finalizerState(metadata)).toBe(state);
  });

  it('adds the finalizer once and removes only it', () => {
    expect(withFinalizer(undefined)).toEqual([FINALIZER]);
    expect(withFinalizer(['a', FINALIZER])).toEqual(['a', FINALIZER]);
    expect(withFinalizer(['a'])).toEqual(['a', FINALIZER]);
    expect(withoutFinalizer(['a', FINALIZER, 'b'])).toEqual(['a', 'b']);
    expect(withoutFinalizer(undefined)).toEqual([]);
    expect(hasFinalizer({ finalizers: withFinalizer([]) })).toBe(true);
  });
});
