/**
 * Time as the controller's state machines see it, so tests can drive it by hand: a wall clock in
 * milliseconds and one-shot timers that can be cancelled.
 */
export interface Clock {
  now(): number;
  /** Runs `callback` once after `ms`; the returned function cancels it (a no-op once it ran). */
  after(ms: number, callback: () => void): () => void;
}

/** The process's clock and timers (looked up on each call, so test fake timers apply). */
export const systemClock: Clock = {
  now: () => Date.now(),
  after: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};
