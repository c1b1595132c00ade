/**
 * What /healthz checks: liveness fails only for what a restart cures. A loop (the informer's
 * list-watch, the etcd watch) that has shown no sign of life for longer than a bound is gone, not
 * slow; a replica stuck in its leadership (the Lease held without a fence) blocks a replica that
 * could work. A dependency that is down is not a liveness failure (readiness says that), so an
 * outage does not restart every replica.
 *
 * Guarantees: `notLive` names each failing check with what it saw; an empty list means live.
 */
import type { InformerSource } from '../kube/informer.ts';

/**
 * When a loop last showed a sign of life (an event, a list, a retry, an error it reported): a loop
 * that keeps going beats at least every few minutes even when nothing changes (bookmarks, watchdog
 * re-watches, backoff retries); one that stopped for good does not.
 */
export class Heartbeat {
  private readonly now: () => number;
  private last: number;

  constructor(now: () => number = Date.now) {
    this.now = now;
    this.last = now();
  }

  beat(): void {
    this.last = this.now();
  }

  /** Milliseconds since the last beat (or since creation). */
  get silentForMs(): number {
    return this.now() - this.last;
  }
}

export interface LoopCheck {
  readonly name: string;
  readonly heartbeat: Heartbeat;
  /** True while the loop is in a state that is alive without beating (a watch open on a quiet prefix). */
  readonly steady?: () => boolean;
}

export interface LivenessChecks {
  readonly loops: readonly LoopCheck[];
  readonly silenceLimitMs: number;
  /** Why leadership is stuck, or undefined. */
  readonly leadershipStall: () => string | undefined;
}

/** The failing checks (empty = live). */
export function notLive(checks: LivenessChecks): string[] {
  const failing: string[] = [];
  const stall = checks.leadershipStall();
  if (stall !== undefined) failing.push(`leadership: ${stall}`);
  for (const loop of checks.loops) {
    const silentMs = loop.heartbeat.silentForMs;
    if (silentMs > checks.silenceLimitMs && !(loop.steady?.() ?? false)) failing.push(`${loop.name}: no sign of life for ${Math.round(silentMs / 1000)}s`);
  }
  return failing;
}

/** The informer's source, beating `heartbeat` on every list, watch start, watch event and watch end. */
export function beating<T>(source: InformerSource<T>, heartbeat: Heartbeat): InformerSource<T> {
  return {
    list: () => source.list().finally(() => heartbeat.beat()),
    watch: (resourceVersion, onEvent, onDone) => {
      heartbeat.beat();
      return source.watch(
        resourceVersion,
        (type, object) => {
          heartbeat.beat();
          onEvent(type, object);
        },
        (error) => {
          heartbeat.beat();
          onDone(error);
        },
      );
    },
  };
}
