/** For unit tests of code that waits with jitter: fake timers, and Math.random fixed at 0.5 (for a ±50% jitter, a factor of 1). */
import { afterEach, beforeEach, vi } from 'vitest';

/** Call inside a describe: each of its tests runs on fake timers with Math.random() returning 0.5. */
export function exactDelays(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
}
