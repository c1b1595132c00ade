/** The drift watch's mirror of the store: what the reconciler plans from without a read. */
import { describe, expect, it } from 'vitest';
import { StoreMirror } from '../../../src/controller/store-mirror.ts';
import type { KeyState } from '../../../src/domain/types.ts';

const D = '/cairn/data/shop/a';
const M = '/cairn/meta/shop/a';
const ABSENT: KeyState = { exists: false };

function put(value: string, modRevision: string, createRevision = modRevision): KeyState {
  return { exists: true, value, modRevision, createRevision };
}

/** A mirror synced at revision 10 holding D (created 5, modified 8) and M (5). */
function synced(): StoreMirror {
  const mirror = new StoreMirror();
  mirror.reset(
    [
      { key: D, value: 'v8', modRevision: '8', createRevision: '5' },
      { key: M, value: 'm5', modRevision: '5', createRevision: '5' },
    ],
    '10',
  );
  return mirror;
}

describe('StoreMirror before and after the first full read', () => {
  it('cannot tell anything before the first full read', () => {
    const mirror = new StoreMirror();
    expect(mirror.observe(D, M)).toBeUndefined();
    expect(mirror.isSynced).toBe(false);
  });

  it('observes both keys and the read revision after a full read', () => {
    const mirror = synced();
    expect(mirror.isSynced).toBe(true);
    expect(mirror.size).toBe(2);
    expect(mirror.observe(D, M)).toEqual({ data: put('v8', '8', '5'), meta: put('m5', '5'), revision: '10' });
  });

  it('observes keys it does not hold as absent', () => {
    expect(synced().observe('/cairn/data/shop/b', '/cairn/meta/shop/b')).toEqual({ data: ABSENT, meta: ABSENT, revision: '10' });
  });

  it('forgets everything a new full read does not contain', () => {
    const mirror = synced();
    mirror.reset([{ key: M, value: 'm12', modRevision: '12', createRevision: '5' }], '14');
    expect(mirror.observe(D, M)).toEqual({ data: ABSENT, meta: put('m12', '12', '5'), revision: '14' });
    expect(mirror.size).toBe(1);
  });
});

describe('StoreMirror.apply', () => {
  it.each<[string, string, KeyState, string, boolean, KeyState]>([
    ['a newer put of a held key', D, put('v11', '11', '5'), '11', true, put('v11', '11', '5')],
    ['a put at the revision the mirror holds (our own commit echoed by the watch)', D, put('other', '8', '5'), '8', false, put('v8', '8', '5')],
    ['an older put (a late replay)', D, put('old', '7', '5'), '7', false, put('v8', '8', '5')],
    ['a newer delete of a held key', D, ABSENT, '11', true, ABSENT],
    ['an older delete of a held key', D, ABSENT, '6', false, put('v8', '8', '5')],
    ['a put of a key the mirror does not hold', '/cairn/data/shop/b', put('b', '11'), '11', true, put('b', '11')],
  ])('%s: news=%s', (_, key, state, revision, news, after) => {
    const mirror = synced();
    expect(mirror.apply(key, state, revision)).toBe(news);
    expect(mirror.get(key)).toEqual(after);
  });

  it('moves the observed revision forward with news and never back', () => {
    const mirror = synced();
    mirror.apply(D, put('v12', '12', '5'), '12');
    mirror.apply('/cairn/data/shop/b', put('b', '11'), '11');
    expect(mirror.observe(D, M)?.revision).toBe('12');
  });

  it('compares revisions as int64 decimals, not as strings', () => {
    const mirror = new StoreMirror();
    mirror.reset([{ key: D, value: 'v9', modRevision: '9', createRevision: '9' }], '9');
    expect(mirror.apply(D, put('v10', '10', '9'), '10')).toBe(true);
    expect(mirror.get(D)).toEqual(put('v10', '10', '9'));
    expect(mirror.observe(D, M)?.revision).toBe('10');
  });
});

describe('StoreMirror.record', () => {
  it('holds what our own transaction wrote, so the watch event of that commit is not news', () => {
    const mirror = synced();
    mirror.record(D, put('mine', '11', '5'), '11');
    mirror.record(M, put('meta', '11', '5'), '11');

    expect(mirror.observe(D, M)).toEqual({ data: put('mine', '11', '5'), meta: put('meta', '11', '5'), revision: '11' });
    expect(mirror.apply(D, put('mine', '11', '5'), '11')).toBe(false);
  });

  it('holds our own deletes', () => {
    const mirror = synced();
    mirror.record(D, ABSENT, '11');
    expect(mirror.get(D)).toEqual(ABSENT);
  });
});

describe('StoreMirror after a takeover and across a resync', () => {
  it('cannot tell until it has seen the revision it must trust from (a new leader fence)', () => {
    const mirror = synced();
    mirror.requireRevision('12');
    expect(mirror.isCaughtUp).toBe(false);
    expect(mirror.observe(D, M)).toBeUndefined();

    mirror.apply('/cairn/fence', put('leader-b', '12'), '12');
    expect(mirror.isCaughtUp).toBe(true);
    expect(mirror.observe(D, M)?.data).toEqual(put('v8', '8', '5'));
  });

  it('keeps, across a full re-read, what it learned after the revision the re-read was taken at', () => {
    const mirror = synced();
    mirror.record(D, put('v14', '14', '5'), '14'); // our commit, recorded while the re-read was in flight
    mirror.reset([{ key: D, value: 'v8', modRevision: '8', createRevision: '5' }], '12');
    expect(mirror.observe(D, M)?.data).toEqual(put('v14', '14', '5'));
    expect(mirror.observe(D, M)?.meta).toEqual(ABSENT); // M was gone at 12 and nothing newer said otherwise
  });
});
