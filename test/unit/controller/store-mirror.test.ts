/** The drift watch's view of the store: what the reconciler plans from without a read. */
import { describe, expect, it } from 'vitest';
import { StoreMirror, META_VALUE_LIMIT } from '../../../src/controller/store-mirror.ts';
import { sha256 } from '../../../src/domain/canonical.ts';
import type { KeyState } from '../../../src/domain/types.ts';

const D = '/cairn/data/shop/a';
const M = '/cairn/meta/shop/a';
const ABSENT: KeyState = { exists: false };

/** A key as the view keeps it: hash and revisions, no value. */
function hashed(value: string, modRevision: string, createRevision = modRevision): KeyState {
  return { exists: true, hash: sha256(value), modRevision, createRevision };
}

/** A key as read or delivered by the watch: with its value. */
function put(value: string, modRevision: string, createRevision = modRevision): KeyState {
  return { exists: true, value, hash: sha256(value), modRevision, createRevision };
}

function kv(key: string, value: string, modRevision: string, createRevision = modRevision) {
  return { key, value, modRevision, createRevision };
}

/** A view over /cairn in which `claimed` data keys are claimed (all of them when omitted). */
function mirror(claimed?: Set<string>): StoreMirror {
  return new StoreMirror({ prefix: '/cairn', isClaimed: (dataKey) => claimed === undefined || claimed.has(dataKey) });
}

/** A view synced at revision 10 holding D (created 5, modified 8) and M (5). */
function synced(view = mirror()): StoreMirror {
  view.reset([kv(D, 'v8', '8', '5'), kv(M, 'm5', '5')].map((k) => view.summarize(k)), '10');
  return view;
}

describe('StoreMirror before and after the first full read', () => {
  it('cannot tell anything before the first full read', () => {
    const view = mirror();
    expect(view.observe(D, M)).toBeUndefined();
    expect(view.isSynced).toBe(false);
  });

  it('observes both keys and the read revision after a full read: data as a hash, meta with its record', () => {
    const view = synced();
    expect(view.isSynced).toBe(true);
    expect(view.size).toBe(2);
    expect(view.observe(D, M)).toEqual({ data: hashed('v8', '8', '5'), meta: put('m5', '5'), revision: '10' });
  });

  it('observes claimed keys it does not hold as absent', () => {
    expect(synced().observe('/cairn/data/shop/b', '/cairn/meta/shop/b')).toEqual({ data: ABSENT, meta: ABSENT, revision: '10' });
  });

  it('forgets everything a new full read does not contain', () => {
    const view = synced();
    view.reset([view.summarize(kv(M, 'm12', '12', '5'))], '14');
    expect(view.observe(D, M)).toEqual({ data: ABSENT, meta: put('m12', '12', '5'), revision: '14' });
    expect(view.size).toBe(1);
  });
});

describe('StoreMirror keeps hashes, and only what entries claim', () => {
  const ours = '/cairn/data/shop/ours';
  const unclaimed = '/cairn/data/shop/nobodys';
  const elsewhere = '/cairn/data/other-team/theirs';

  it('does not retain keys no entry claims, nor keys of namespaces this replica does not watch (no entry there claims them)', () => {
    const view = mirror(new Set([ours]));
    const big = 'x'.repeat(100_000);
    view.reset(
      [kv(ours, big, '3'), kv('/cairn/meta/shop/ours', 'm', '3'), kv(unclaimed, big, '4'), kv('/cairn/meta/shop/nobodys', 'm', '4'), kv(elsewhere, big, '5'), kv('/cairn/meta/other-team/theirs', 'm', '5')].map((k) =>
        view.summarize(k),
      ),
      '6',
    );
    expect(view.size).toBe(2);
    expect(view.get(ours)).toEqual(hashed(big, '3'));
    expect(view.get(unclaimed)).toEqual(ABSENT);
    expect(view.get(elsewhere)).toEqual(ABSENT);
  });

  it('keeps what the watch shows before the first full read is applied (claims may not be known yet), then only what is claimed', () => {
    const claims = new Set<string>();
    const view = mirror(claims);
    view.apply(ours, put('v12', '12'), '12');
    view.apply(unclaimed, put('v13', '13'), '13');
    claims.add(ours); // the informer's first list is in
    view.reset([view.summarize(kv(ours, 'v3', '3')), view.summarize(kv(unclaimed, 'v4', '4'))], '10');
    expect(view.get(ours)).toEqual(hashed('v12', '12'));
    expect(view.get(unclaimed)).toEqual(ABSENT);
    expect(view.size).toBe(1);
  });

  it('does not retain watch events of keys no entry claims', () => {
    const view = synced(mirror(new Set([D])));
    view.apply(unclaimed, put('v', '11'), '11');
    view.apply(elsewhere, put('v', '12'), '12');
    expect(view.size).toBe(2);
    expect(view.observe(D, M)?.revision).toBe('12'); // the watch still moved the view forward
  });

  it('keeps no data value, only its hash; keeps a meta record only up to META_VALUE_LIMIT', () => {
    const view = synced();
    const largeMeta = 'm'.repeat(META_VALUE_LIMIT + 1);
    view.apply(D, put('{"a":1}', '11', '5'), '11');
    view.apply(M, put(largeMeta, '12', '5'), '12');
    expect(view.get(D)).toEqual(hashed('{"a":1}', '11', '5'));
    expect(view.get(M)).toEqual(hashed(largeMeta, '12', '5'));
  });

  it('cannot tell the state of a key claimed after the last full read until the watch shows it', () => {
    const claims = new Set([D]);
    const view = synced(mirror(claims));
    const late = '/cairn/data/shop/late';
    claims.add(late);
    view.claimed(late);
    expect(view.observe(late, '/cairn/meta/shop/late')).toBeUndefined();
    view.apply(late, put('v', '11'), '11');
    expect(view.observe(late, '/cairn/meta/shop/late')).toBeUndefined(); // meta not yet seen
    view.apply('/cairn/meta/shop/late', ABSENT, '12');
    expect(view.observe(late, '/cairn/meta/shop/late')).toEqual({ data: hashed('v', '11'), meta: ABSENT, revision: '12' });
  });

  it('cannot tell, for several keys, when one of them is not claimed (a removed bundle member only its record names)', () => {
    const view = synced(mirror(new Set([D])));
    expect(view.observeKeys([D, M])).toEqual({ [D]: hashed('v8', '8', '5'), [M]: put('m5', '5') });
    expect(view.observeKeys([D, M, '/cairn/meta/shop/nobodys'])).toBeUndefined();
  });

  it('keeps a claimed bundle record with its value (the plan reads its members from it), and nobody else\'s', () => {
    const record = '/cairn/bundles/shop/checkout';
    const view = synced(mirror(new Set([D, record])));
    const value = JSON.stringify({ members: Array.from({ length: 63 }, (_, i) => `${'k'.repeat(250)}/${i}`) });
    expect(value.length).toBeGreaterThan(META_VALUE_LIMIT);
    view.apply(record, put(value, '11'), '11');
    view.apply('/cairn/bundles/shop/other', put('{}', '12'), '12');
    expect(view.observeKeys([record])).toEqual({ [record]: put(value, '11') });
    expect(view.observeKeys(['/cairn/bundles/shop/other'])).toBeUndefined();
    expect(view.size).toBe(3);
  });

  it('can tell again after the next full read', () => {
    const view = synced();
    view.claimed('/cairn/data/shop/late');
    view.reset([], '20');
    expect(view.observe('/cairn/data/shop/late', '/cairn/meta/shop/late')).toEqual({ data: ABSENT, meta: ABSENT, revision: '20' });
  });
});

describe('StoreMirror.apply', () => {
  it.each<[string, string, KeyState, string, boolean, KeyState]>([
    ['a newer put of a held key', D, put('v11', '11', '5'), '11', true, hashed('v11', '11', '5')],
    ['a put at the revision the view holds (our own commit echoed by the watch)', D, put('other', '8', '5'), '8', false, hashed('v8', '8', '5')],
    ['a put older than the last full read (a late replay)', D, put('old', '9', '5'), '9', false, hashed('v8', '8', '5')],
    ['a newer delete of a held key', D, ABSENT, '11', true, ABSENT],
    ['a delete older than the last full read', D, ABSENT, '6', false, hashed('v8', '8', '5')],
    ['a put of a key the view does not hold', '/cairn/data/shop/b', put('b', '11'), '11', true, hashed('b', '11')],
  ])('%s: news=%s', (_, key, state, revision, news, after) => {
    const view = synced();
    expect(view.apply(key, state, revision)).toBe(news);
    expect(view.get(key)).toEqual(after);
  });

  it('ignores a late put of a key deleted before the last full read', () => {
    const view = synced();
    view.reset([view.summarize(kv(M, 'm5', '5'))], '12'); // D was deleted at 11
    expect(view.apply(D, put('v9', '9', '5'), '9')).toBe(false);
    expect(view.get(D)).toEqual(ABSENT);
  });

  it('moves the observed revision forward with news and never back', () => {
    const view = synced();
    view.apply(D, put('v12', '12', '5'), '12');
    view.apply('/cairn/data/shop/b', put('b', '11'), '11');
    expect(view.observe(D, M)?.revision).toBe('12');
  });

  it('compares revisions as int64 decimals, not as strings', () => {
    const view = mirror();
    view.reset([view.summarize(kv(D, 'v9', '9'))], '9');
    expect(view.apply(D, put('v10', '10', '9'), '10')).toBe(true);
    expect(view.get(D)).toEqual(hashed('v10', '10', '9'));
    expect(view.observe(D, M)?.revision).toBe('10');
  });

  it('recognises the watch event of a put it was told to expect (by hash) as not news', () => {
    const view = synced();
    view.expect(D, sha256('mine'));
    expect(view.apply(D, put('mine', '11', '5'), '11')).toBe(false);
    expect(view.get(D)).toEqual(hashed('mine', '11', '5'));
  });
});

describe('StoreMirror.record', () => {
  it('holds what our own transaction wrote, so the watch event of that commit is not news', () => {
    const view = synced();
    view.record(D, hashed('mine', '11', '5'), '11');
    view.record(M, put('meta', '11', '5'), '11');

    expect(view.observe(D, M)).toEqual({ data: hashed('mine', '11', '5'), meta: put('meta', '11', '5'), revision: '11' });
    expect(view.apply(D, put('mine', '11', '5'), '11')).toBe(false);
  });

  it('says it holds a change at a revision it recorded or a full read showed, and not a newer one or one of another key', () => {
    const view = synced();
    view.record(D, hashed('mine', '11', '5'), '11');
    expect(view.holdsChange(D, '11')).toBe(true);
    expect(view.holdsChange(D, '12')).toBe(false);
    expect(view.holdsChange(M, '10')).toBe(true); // at or below the full read's revision
    expect(view.holdsChange(M, '11')).toBe(false);
  });

  it('holds our own deletes', () => {
    const view = synced();
    view.record(D, ABSENT, '11');
    expect(view.get(D)).toEqual(ABSENT);
  });
});

describe('StoreMirror after a takeover and across a resync', () => {
  it('cannot tell until it has seen the revision it must trust from (a new leader fence)', () => {
    const view = synced();
    view.requireRevision('12');
    expect(view.isCaughtUp).toBe(false);
    expect(view.observe(D, M)).toBeUndefined();

    view.apply('/cairn/fence', put('leader-b', '12'), '12');
    expect(view.isCaughtUp).toBe(true);
    expect(view.observe(D, M)?.data).toEqual(hashed('v8', '8', '5'));
  });

  it('does not bring back, from a full read taken before it, a delete the watch showed after that read', () => {
    const view = synced();
    expect(view.apply(D, ABSENT, '15')).toBe(true); // deleted outside Cairn while a re-read was in flight
    view.reset([view.summarize(kv(D, 'v8', '8', '5')), view.summarize(kv(M, 'm5', '5'))], '12');
    expect(view.observe(D, M)?.data).toEqual(ABSENT);
  });

  it('does not bring back our own recorded delete from a full read taken before it', () => {
    const view = synced();
    view.record(D, ABSENT, '15');
    view.record(M, ABSENT, '15');
    view.reset([view.summarize(kv(D, 'v8', '8', '5')), view.summarize(kv(M, 'm5', '5'))], '12');
    expect(view.observe(D, M)).toEqual({ data: ABSENT, meta: ABSENT, revision: '15' });
  });

  it('ignores a full read older than the one already applied (two reads finishing out of order)', () => {
    const view = synced();
    view.reset([view.summarize(kv(M, 'm5', '5'))], '20'); // D deleted at 18, seen by the newer read
    view.reset([view.summarize(kv(D, 'v8', '8', '5')), view.summarize(kv(M, 'm5', '5'))], '16');
    expect(view.observe(D, M)?.data).toEqual(ABSENT);
  });

  it('forgets deletes the next full read already covers (what it keeps of deletes is bounded)', () => {
    const view = synced();
    view.apply(D, ABSENT, '15');
    view.reset([view.summarize(kv(M, 'm5', '5'))], '16');
    expect(view.deletesHeld).toBe(0);
  });

  it('keeps, across a full re-read, what it learned after the revision the re-read was taken at', () => {
    const view = synced();
    view.record(D, hashed('v14', '14', '5'), '14'); // our commit, recorded while the re-read was in flight
    view.reset([view.summarize(kv(D, 'v8', '8', '5'))], '12');
    expect(view.observe(D, M)?.data).toEqual(hashed('v14', '14', '5'));
    expect(view.observe(D, M)?.meta).toEqual(ABSENT); // M was gone at 12 and nothing newer said otherwise
  });
});
