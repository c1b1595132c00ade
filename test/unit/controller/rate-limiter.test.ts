/** The requeue rate limiter: per-key exponential backoff under one overall token bucket whose debt is capped. */
import { describe, expect, it } from 'vitest';
import { RequeueRateLimiter } from '../../../src/controller/rate-limiter.ts';

/** A limiter on a clock the test moves, with no jitter (factor 1) and a per-key base of 1 ms. */
function limiter(options: { qps: number; burst: number; maxMs: number }): { l: RequeueRateLimiter; advance: (ms: number) => void } {
  let now = 0;
  const l = new RequeueRateLimiter({ baseMs: 1, ...options, now: () => now, random: () => 0.5 });
  return { l, advance: (ms) => (now += ms) };
}

describe('RequeueRateLimiter: the overall bucket', () => {
  it('past the burst, makes each requeue wait for the next token', () => {
    const { l } = limiter({ qps: 10, burst: 2, maxMs: 60_000 });
    const delays = ['a', 'b', 'c', 'd', 'e'].map((key) => l.when(key));
    expect(delays).toEqual([1, 1, 100, 200, 300]); // the per-key 1 ms, then one token every 100 ms
  });

  it('caps its debt at maxMs: a requeue whose token is further away takes none and waits maxMs', () => {
    const { l } = limiter({ qps: 10, burst: 2, maxMs: 1_000 });
    const delays = Array.from({ length: 100 }, (_, i) => l.when(`storm-${i}`));

    expect(delays.slice(0, 12)).toEqual([1, 1, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000]);
    expect(new Set(delays.slice(12))).toEqual(new Set([1_000])); // no debt taken past the cap
  });

  it('after a storm, a key that fails once the cap has passed waits one token, not the whole storm', () => {
    const { l, advance } = limiter({ qps: 10, burst: 2, maxMs: 1_000 });
    for (let i = 0; i < 1_000; i++) l.when(`storm-${i}`);
    advance(1_000);

    expect(l.when('later')).toBe(100);
  });
});

describe('RequeueRateLimiter: per key', () => {
  it('doubles the delay of a key with each failure, up to maxMs, and forget starts it over', () => {
    const { l } = limiter({ qps: 1_000, burst: 1_000, maxMs: 5 });
    expect([1, 2, 3, 4, 5].map(() => l.when('k'))).toEqual([1, 2, 4, 5, 5]);
    l.forget('k');
    expect(l.when('k')).toBe(1);
  });
});
