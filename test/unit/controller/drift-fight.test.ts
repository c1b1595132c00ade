/** The drift fight's rule, with a fake clock: when a correction of an entry may run. */
import { describe, expect, it } from 'vitest';
import { DriftFight } from '../../../src/controller/drift-fight.ts';

function fight(options: { threshold?: number; windowMs?: number; baseMs?: number; maxMs?: number } = {}): { f: DriftFight; advance: (ms: number) => void } {
  let t = 0;
  const f = new DriftFight({ now: () => t, threshold: 3, windowMs: 60_000, baseMs: 1_000, maxMs: 8_000, ...options });
  return { f, advance: (ms) => (t += ms) };
}

/** Corrects `key` whenever allowed, once per `everyMs`, `rounds` times; returns the verdicts as 'correct' or 'wait <ms>'. */
function run(f: DriftFight, advance: (ms: number) => void, rounds: number, everyMs: number, key = 'shop/db'): string[] {
  const seen: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const verdict = f.check(key);
    seen.push(verdict.kind === 'correct' ? 'correct' : `wait ${verdict.waitMs}`);
    if (verdict.kind === 'correct') f.corrected(key);
    advance(everyMs);
  }
  return seen;
}

describe('DriftFight', () => {
  it('lets corrections run at once below the threshold', () => {
    const { f, advance } = fight();
    expect(run(f, advance, 2, 0)).toEqual(['correct', 'correct']);
  });

  it('backs off from the threshold-th correction within the window on: base, then doubling', () => {
    const { f, advance } = fight();
    // one outside change per 500 ms; corrected when allowed
    expect(run(f, advance, 12, 500)).toEqual([
      'correct', 'correct', 'correct', // the third starts the fight: the next waits 1 s
      'wait 500', 'correct', // then 2 s
      'wait 1500', 'wait 1000', 'wait 500', 'correct', // then 4 s
      'wait 3500', 'wait 3000', 'wait 2500',
    ]);
  });

  it('caps the backoff', () => {
    const { f, advance } = fight({ maxMs: 2_000 });
    run(f, advance, 3, 0); // fight: 1 s
    advance(1_000);
    f.corrected('shop/db'); // 2 s
    advance(2_000);
    f.corrected('shop/db'); // 4 s, capped at 2 s
    expect(f.check('shop/db')).toEqual({ kind: 'wait', notBefore: 5_000, waitMs: 2_000 });
  });

  it('does not count corrections older than the window', () => {
    const { f, advance } = fight();
    expect(run(f, advance, 6, 30_001)).toEqual(Array(6).fill('correct'));
  });

  it('ends a fight after a whole window without a correction once the backoff has passed', () => {
    const { f, advance } = fight();
    run(f, advance, 3, 0); // in a fight: the next waits 1 s
    advance(1_000 + 60_000);
    expect(run(f, advance, 3, 0)).toEqual(['correct', 'correct', 'correct']); // counted afresh
  });

  it('keeps a fight going while the backoff is longer than the window', () => {
    const { f, advance } = fight({ baseMs: 100_000, maxMs: 100_000 });
    run(f, advance, 3, 0);
    advance(100_000);
    expect(f.check('shop/db')).toEqual({ kind: 'correct' });
    f.corrected('shop/db');
    expect(f.check('shop/db').kind).toBe('wait'); // one correction after the backoff does not end the fight
  });

  it('keeps one fight per entry and forgets an entry that is gone', () => {
    const { f, advance } = fight();
    run(f, advance, 3, 0, 'shop/db');
    expect(f.check('shop/cache')).toEqual({ kind: 'correct' });
    expect(f.check('shop/db').kind).toBe('wait');
    f.forget('shop/db');
    expect(f.check('shop/db')).toEqual({ kind: 'correct' });
  });
});
