/**
 * Exponential backoff with full jitter, for the watcher's reconnects and resync retries.
 * Guarantees: every delay is in [0, maxMs]; the ceiling doubles per failure from initialMs.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000 };

export class Backoff {
  private readonly options: BackoffOptions;
  private failures = 0;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.options = options;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /** Called after a success: the next failure starts from initialMs again. */
  reset(): void {
    this.failures = 0;
  }
}
