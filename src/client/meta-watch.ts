/**
 * The reader's second watch: the namespace's meta keys (`P/meta/<ns>/<prefix>`), so that the watch of
 * the data keys finds each put's meta among the events instead of reading it (meta-join.ts says why
 * that is exact).
 *
 * Why a second watch and not one range over both prefixes: `P/data/<ns>/...` and `P/meta/<ns>/...`
 * are not adjacent. Between them lie every other namespace's data, the fence and the metas of the
 * namespaces before this one: a reader would receive (and must be allowed by etcd's roles to read)
 * other namespaces' values.
 *
 * Guarantees:
 * - `seen(key, r, until)` answers with the meta event of `key` at `r` once it arrived, or undefined
 *   (the caller reads the meta) as soon as the meta watch has delivered everything through `r`
 *   without it, or is not watching (reconnecting, re-reading), or at `until`, or once stopped. A put
 *   whose meta has not come asks etcd for a progress notification: etcd sends it after every meta
 *   event up to its revision, so a put written without its meta is known as such within one round
 *   trip, not at `until` (just after a re-open, as soon as the new stream exists). A put whose meta
 *   came first does not wait; a put waiting when the watch fails is woken and read at once.
 * - What it keeps is bounded by `limit` (meta-join.ts).
 * - Its full reads (the first one, after a compaction or a cancellation) read only the store's
 *   revision: nothing is handed over, a put whose meta the watch did not see is read.
 * Errors: everything the watch meets goes to `onError`; the watch retries by itself (etcd/watcher.ts).
 */
import type { Etcd3 } from 'etcd3';
import { compareRevisions } from '../domain/types.ts';
import { prefixRangeEnd } from '../etcd/txn-request.ts';
import { PrefixWatcher } from '../etcd/watcher.ts';
import { MetaJoin, type SeenMeta } from './meta-join.ts';

/**
 * The least time between two progress requests: a meta watch on a member behind the put's revision
 * answers below it and must be asked again once it caught up, but not at the rate of round trips.
 */
export const PROGRESS_ASK_INTERVAL_MS = 5;

export interface MetaWatchOptions {
  readonly etcd: Etcd3;
  /** Where the watched meta keys start (`P/meta/<ns>/<prefix>`). */
  readonly start: string;
  /** The relative key of an absolute meta key. */
  readonly keyOf: (absolute: string) => string;
  /** Deliver the metas from this revision on; without it, from the store's revision when started. */
  readonly startRevision?: string;
  /** Most metas kept waiting for their put. */
  readonly limit: number;
  readonly onError: (error: Error) => void;
  /** An event or a progress notification arrived: etcd answers. */
  readonly onAlive: () => void;
}

export class MetaWatch {
  private readonly join: MetaJoin;
  private readonly watcher: PrefixWatcher;
  private stopped = false;
  /** A progress notification was asked for and has not come yet. */
  private progressAsked = false;
  /** When (performance.now()) progress was last asked for. */
  private lastAsked = -Infinity;
  /** Wakes the put waiting in `seen`, if any. */
  private wake: (() => void) | undefined;

  constructor(options: MetaWatchOptions) {
    this.join = new MetaJoin(options.limit);
    const { etcd, start } = options;
    this.watcher = new PrefixWatcher({
      client: etcd,
      store: { scanPrefix: async () => (await etcd.kv.range({ key: Buffer.from(start, 'utf8'), range_end: prefixRangeEnd(start), count_only: true })).header.revision },
      prefix: start,
      ...(options.startRevision === undefined ? {} : { startRevision: options.startRevision }),
      onEvent: (event) => {
        this.join.offer(options.keyOf(event.key), event.modRevision, event.type === 'put' ? { value: event.value, modRevision: event.modRevision } : undefined);
        options.onAlive();
        this.wake?.();
      },
      onResync: () => undefined,
      onProgress: () => {
        this.progressAsked = false;
        options.onAlive();
        this.wake?.();
      },
      onError: (error) => {
        this.progressAsked = false; // that stream may be gone: the next wait asks the next one
        options.onError(error);
        this.wake?.(); // the waiting put looks again: a watch reconnecting or re-reading has it read at once
      },
    });
  }

  start(): void {
    this.watcher.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.join.clear();
    this.wake?.();
    await this.watcher.stop();
  }

  /** The meta event of `key` at `revision`, waiting for it until `until` (performance.now() time); undefined: read it. */
  async seen(key: string, revision: string, until: number): Promise<SeenMeta | undefined> {
    for (;;) {
      const seen = this.join.take(key, revision);
      if (seen !== undefined || this.stopped || this.watcher.state !== 'watching') return seen;
      // The watch calls onEvent for every event of a response before it moves lastRevision past them
      // (and onProgress just before: the wait resumes in a later task, when lastRevision has moved).
      if (compareRevisions(this.watcher.lastRevision, revision) >= 0) return undefined;
      const now = performance.now();
      const left = until - now;
      if (left <= 0) return undefined;
      const nextAsk = this.lastAsked + PROGRESS_ASK_INTERVAL_MS - now;
      if (!this.progressAsked && nextAsk <= 0) {
        // Nothing is written while the stream is being created (just after a re-open): asked again
        // after PROGRESS_ASK_INTERVAL_MS, not left to the watcher's periodic request.
        this.progressAsked = this.watcher.requestProgress();
        this.lastAsked = now;
      }
      // Wake for the next ask too: a member behind the put's revision answers below it, and is asked again.
      await this.arrival(this.progressAsked || nextAsk >= left ? left : nextAsk);
    }
  }

  /**
   * Resolves at the next meta event, or after `ms`. The timer ends in setImmediate, which runs after
   * the event loop's poll phase: a meta that arrived while the loop was busy (a loaded machine) is
   * offered before the wait gives up on it.
   */
  private arrival(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(() => setImmediate(done), ms);
      this.wake = done;
    });
  }
}
