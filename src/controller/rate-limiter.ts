/**
 * How long a requeue waits: client-go's default controller rate limiter, the larger of
 *
 * - a per-key exponential backoff (`ItemExponentialFailureRateLimiter`): base * 2^failures, with
 *   ±50% jitter so keys that failed together do not retry together, capped at max;
 * - an overall token bucket (`BucketRateLimiter`): every requeue of every key takes a token; when the
 *   bucket is empty the requeue waits for the next one, so many failing keys cannot add up to a storm.
 *
 * The bucket's debt is capped at `maxMs` (the per-key cap, 60 s by default: at most qps * 60 tokens
 * owed): a requeue whose token would come later than that takes none and waits `maxMs`, as
 * golang.org/x/time/rate refuses a reservation past its max wait. Without the cap a burst of
 * requeues (a storm of failures) runs the debt up without bound and every key's next retry waits
 * debt / qps, long after the storm ended; with it no requeue waits longer than a key at its maximum
 * backoff would, and the overall rate past the cap is bounded by failing keys / maxMs.
 *
 * Guarantees: `when` counts a failure of the key and reserves a token (or waits `maxMs` when the
 * bucket is that far in debt), so every requeue that asks is limited and none waits longer than
 * `maxMs`; `forget` resets the key's backoff (not the bucket); state is kept only for keys that failed
 * since their last success.
 * Assumptions: `now` is monotonic milliseconds (performance.now by default).
 */

export interface RateLimiterOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Overall requeues per second once the burst is spent (client-go: 10). */
  readonly qps: number;
  /** Requeues allowed at once before the bucket limits (client-go: 100). */
  readonly burst: number;
  readonly now?: () => number;
  /** A number in [0, 1); Math.random by default. */
  readonly random?: () => number;
}

export class RequeueRateLimiter {
  private readonly options: RateLimiterOptions;
  private readonly failures = new Map<string, number>();
  private readonly bucket: TokenBucket;
  private readonly random: () => number;

  constructor(options: RateLimiterOptions) {
    this.options = options;
    this.bucket = new TokenBucket(options.qps, options.burst, options.now ?? (() => performance.now()));
    this.random = options.random ?? Math.random;
  }

  /** The delay before `key` may run again; counts the failure and takes a token. */
  when(key: string): number {
    const itemDelay = this.backoffMs(key);
    this.failures.set(key, this.failuresOf(key) + 1);
    return Math.max(itemDelay, this.bucket.reserve(this.options.maxMs));
  }

  /** The per-key part of the next delay for `key` (no failure counted, no token taken). */
  backoffMs(key: string): number {
    const nominal = this.options.baseMs * 2 ** this.failuresOf(key);
    return Math.min(nominal * (0.5 + this.random()), this.options.maxMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** golang.org/x/time/rate's Reserve: tokens refill at `qps` up to `burst`; a reservation may go into debt (up to a max wait) and waits it off. */
class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(qps: number, burst: number, now: () => number) {
    this.qps = qps;
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.last = now();
  }

  /**
   * Takes one token and returns how long to wait until it is really there (0 when it is); when that
   * would be longer than `maxWaitMs`, takes none and returns `maxWaitMs` (the debt stays bounded).
   */
  reserve(maxWaitMs: number): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    const waitMs = this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.qps) * 1000;
    if (waitMs > maxWaitMs) return maxWaitMs;
    this.tokens -= 1;
    return waitMs;
  }
}
