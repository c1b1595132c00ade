/**
 * Slows the corrections of an entry whose etcd value keeps being changed outside Cairn while its
 * driftPolicy is Correct: a "drift fight" with another writer. Without it each outside write is
 * answered by a commit, a status patch and an event, and the queue's backoff is reset by every
 * successful correction, so the fight runs as fast as the other writer, forever.
 *
 * Rule: from the `threshold`-th correction of one entry within `windowMs` on, the entry is in a
 * fight: each correction is followed by an exponential backoff (base, doubling, capped at max)
 * before the next one may run. A whole window after the backoff without a correction ends the fight
 * (the next one starts counting afresh).
 *
 * Guarantees: state is kept only for entries corrected within the last window or still in a fight
 * (forgotten on `forget`, dropped when looked at after it expired, and swept once more than
 * SWEEP_ABOVE entries are held), so it is bounded by the entries this replica corrects. Assumptions: `now` is monotonic milliseconds.
 */

export interface DriftFightOptions {
  readonly now: () => number;
  readonly windowMs?: number;
  readonly threshold?: number;
  readonly baseMs?: number;
  readonly maxMs?: number;
}

export type CorrectionVerdict =
  | { readonly kind: 'correct' }
  /** In a fight: the next correction waits until `notBefore` (the same clock as `now`). */
  | { readonly kind: 'wait'; readonly notBefore: number; readonly waitMs: number };

interface Fight {
  /** Times of the corrections within the window, oldest first. */
  readonly times: number[];
  /** Corrections that had to back off in this fight. */
  strikes: number;
  notBefore: number;
}

export const DRIFT_FIGHT_WINDOW_MS = 60_000;
export const DRIFT_FIGHT_THRESHOLD = 5;

const SWEEP_ABOVE = 1024;

export class DriftFight {
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly threshold: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly fights = new Map<string, Fight>();

  constructor(options: DriftFightOptions) {
    this.now = options.now;
    this.windowMs = options.windowMs ?? DRIFT_FIGHT_WINDOW_MS;
    this.threshold = options.threshold ?? DRIFT_FIGHT_THRESHOLD;
    this.baseMs = options.baseMs ?? 5_000;
    this.maxMs = options.maxMs ?? 300_000;
  }

  /** Whether `key` may be corrected now. */
  check(key: string): CorrectionVerdict {
    const now = this.now();
    const fight = this.current(key, now);
    if (fight === undefined || now >= fight.notBefore) return { kind: 'correct' };
    return { kind: 'wait', notBefore: fight.notBefore, waitMs: fight.notBefore - now };
  }

  /** Records a committed correction of `key`. */
  corrected(key: string): void {
    const now = this.now();
    const fight = this.current(key, now) ?? { times: [], strikes: 0, notBefore: now };
    fight.times.push(now);
    if (fight.times.length > this.threshold) fight.times.shift();
    if (fight.strikes > 0 || fight.times.length >= this.threshold) {
      fight.notBefore = now + Math.min(this.baseMs * 2 ** fight.strikes, this.maxMs);
      fight.strikes += 1;
    }
    this.fights.set(key, fight);
    if (this.fights.size > SWEEP_ABOVE) for (const held of [...this.fights.keys()]) this.current(held, now);
  }

  /** The rule, for people: what a status message says about a fight. */
  describe(): string {
    return `${this.threshold} corrections within ${this.windowMs / 1000} s (driftPolicy Correct), so corrections now back off, up to ${this.maxMs / 1000} s apart, until the value stays put`;
  }

  /** The entry is gone. */
  forget(key: string): void {
    this.fights.delete(key);
  }

  /** The state of `key` with corrections older than the window dropped; undefined (and forgotten) once it is calm. */
  private current(key: string, now: number): Fight | undefined {
    const fight = this.fights.get(key);
    if (fight === undefined) return undefined;
    while (fight.times.length > 0 && (fight.times[0] ?? 0) <= now - this.windowMs) fight.times.shift();
    const calm = fight.strikes > 0 ? now >= fight.notBefore + this.windowMs : fight.times.length === 0;
    if (calm) {
      this.fights.delete(key);
      return undefined;
    }
    return fight;
  }
}
