/** Verdicts already given, one per entry: what lets a resync confirm a committed value without validating it again. */
import { describe, expect, it } from 'vitest';
import { VerdictCache } from '../../../src/controller/verdict-cache.ts';
import { NOTHING_PRUNED, summarizePruned } from '../../../src/domain/pruned-fields.ts';

const JUDGE = { compiled: 'database@v1, first content' };
const VERDICT = { schema: 'database@v1', dataHash: 'sha256:a', pruned: NOTHING_PRUNED };

/** A cache over an informer that holds `held` (`namespace/name` -> uid). */
function cache(held = new Map([['shop/db', 'uid-1']])): VerdictCache {
  return new VerdictCache((key, uid) => held.get(key) === uid);
}

describe('VerdictCache', () => {
  it('confirms a verdict only for the same entry uid, generation and judge', () => {
    const verdicts = cache();
    verdicts.remember('shop/db', 'uid-1', 3, JUDGE, VERDICT);
    expect(verdicts.confirmed('shop/db', 'uid-1', 3, JUDGE)).toEqual(VERDICT);
    expect(verdicts.confirmed('shop/db', 'uid-1', 4, JUDGE)).toBeUndefined(); // the spec changed
    expect(verdicts.confirmed('shop/db', 'uid-2', 3, JUDGE)).toBeUndefined(); // deleted and created again
    expect(verdicts.confirmed('shop/other', 'uid-1', 3, JUDGE)).toBeUndefined();
  });

  it('keeps what the validation pruned, so a confirmed entry names the same fields', () => {
    const verdicts = cache();
    const pruned = summarizePruned(['spec.data.prot']);
    verdicts.remember('shop/db', 'uid-1', 3, JUDGE, { ...VERDICT, pruned });
    expect(verdicts.confirmed('shop/db', 'uid-1', 3, JUDGE)?.pruned).toBe(pruned);
  });

  it('confirms nothing once the schema was compiled again (a new judge: the schema generation changed)', () => {
    const verdicts = cache();
    verdicts.remember('shop/db', 'uid-1', 3, JUDGE, VERDICT);
    expect(verdicts.confirmed('shop/db', 'uid-1', 3, { compiled: 'database@v1, first content' })).toBeUndefined();
  });

  it('holds one verdict per entry: a later one replaces the earlier', () => {
    const verdicts = cache();
    verdicts.remember('shop/db', 'uid-1', 3, JUDGE, VERDICT);
    verdicts.remember('shop/db', 'uid-1', 4, JUDGE, { schema: 'database@v1', dataHash: 'sha256:b', pruned: NOTHING_PRUNED });
    expect(verdicts.size).toBe(1);
    expect(verdicts.confirmed('shop/db', 'uid-1', 3, JUDGE)).toBeUndefined();
    expect(verdicts.confirmed('shop/db', 'uid-1', 4, JUDGE)).toEqual({ schema: 'database@v1', dataHash: 'sha256:b', pruned: NOTHING_PRUNED });
  });

  it('forgets an entry that left the informer cache (deleted)', () => {
    const verdicts = cache();
    verdicts.remember('shop/db', 'uid-1', 3, JUDGE, VERDICT);
    verdicts.forget('shop/db');
    expect(verdicts.size).toBe(0);
    expect(verdicts.confirmed('shop/db', 'uid-1', 3, JUDGE)).toBeUndefined();
  });

  it('keeps nothing for an entry the informer no longer holds (deleted while its reconcile ran), so it holds no more than the entries watched', () => {
    const verdicts = cache(new Map());
    verdicts.remember('shop/db', 'uid-1', 3, JUDGE, VERDICT);
    expect(verdicts.size).toBe(0);
  });
});
