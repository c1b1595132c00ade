/**
 * A prefix watcher for drift detection that never dies quietly.
 *
 * Guarantees:
 * - Every change under `prefix` (admitted by `accept`) after the start point reaches `onEvent`, in
 *   revision order, unless history was compacted; then `onResync` receives the full state at a newer
 *   revision, and events continue from the revision after it. Nothing is skipped silently.
 * - Handler failures (throws or rejected promises) go to `onError`; the watch goes on.
 * - Stream failures (etcd down, connection reset, stream ended) are reported to `onError` and the
 *   watch is re-opened with backoff from the first revision not yet delivered.
 * Assumptions: handlers are cheap (enqueue work); `onEvent`'s promise is not awaited.
 *
 * Traps of etcd3 1.1.2 handled here (node_modules/etcd3/lib/watch.js):
 * - WatchManager.handleUpdateResponse rethrows a handler's exception in setImmediate: an uncaught
 *   exception that kills the process. Every callback here runs inside try/catch.
 * - A cancelled watch (compaction: "mvcc: required revision has been compacted") is emitted as
 *   'error' and the Watcher is dropped for good (handleCancelResponse); with no 'error' listener the
 *   EventEmitter throws. We listen, read the prefix in full, and watch again from there.
 * - Watcher.updateRevision resumes from header.revision + 1, which skips the rest of a catch-up
 *   after a reconnect. We track the revision ourselves (watch-events.ts) and re-open on our terms.
 * - WatchBuilder.create() resolves after 'connected'; events arriving in the same tick would be
 *   lost before listeners are attached. We build with watcher() and attach listeners first.
 */
import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import type { ConfigStore } from './config-store.ts';
import { EtcdError } from './errors.ts';
import { translateEtcdError } from './translate-error.ts';
import { eventsOf, nextRevisionAfter, resyncReasonOf, type ResyncEvent, type ResyncReason, type WatchEvent } from './watch-events.ts';

export interface PrefixWatcherOptions {
  readonly client: Etcd3;
  /** Used for the full reads (resync). */
  readonly store: Pick<ConfigStore, 'rangePrefix'>;
  /** Watched key prefix, e.g. `/cairn/`. */
  readonly prefix: string;
  /** Which keys to report (e.g. data/ and meta/ but not the fence). Default: all. */
  readonly accept?: (key: string) => boolean;
  /** Deliver events from this revision on. Without it, start with a full read ('initial' resync). */
  readonly startRevision?: string;
  readonly onEvent: (event: WatchEvent) => void | Promise<void>;
  readonly onResync: (resync: ResyncEvent) => void | Promise<void>;
  readonly onError: (error: Error) => void;
  readonly backoff?: BackoffOptions;
}

export type WatcherState = 'idle' | 'resyncing' | 'watching' | 'reconnecting' | 'stopped';

const CANCEL_WAIT_MS = 2_000;

export class PrefixWatcher {
  private readonly options: PrefixWatcherOptions;
  private readonly accept: (key: string) => boolean;
  private readonly backoff: Backoff;
  private current: Watcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private next = '0';
  private status: WatcherState = 'idle';
  private resyncs = 0;

  constructor(options: PrefixWatcherOptions) {
    this.options = options;
    this.accept = options.accept ?? (() => true);
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  /** Revision through which every change has been delivered (or covered by a resync). */
  get lastRevision(): string {
    return (BigInt(this.next) - 1n).toString();
  }

  get state(): WatcherState {
    return this.status;
  }

  /** How many resyncs have completed (initial one included). */
  get resyncCount(): number {
    return this.resyncs;
  }

  start(): void {
    if (this.status !== 'idle') throw new Error(`PrefixWatcher.start: already ${this.status}`);
    if (this.options.startRevision === undefined) {
      void this.resync('initial');
    } else {
      this.next = this.options.startRevision;
      this.open();
    }
  }

  async stop(): Promise<void> {
    this.status = 'stopped';
    clearTimeout(this.timer);
    await this.detach();
  }

  private open(): void {
    if (this.status === 'stopped') return;
    this.status = 'watching';
    // watcher() (not create()) so the listeners exist before the first response can arrive.
    const watcher = this.options.client.watch().prefix(this.options.prefix).startRevision(this.next).watcher();
    this.current = watcher;
    const mine = (): boolean => this.current === watcher && this.status === 'watching';
    watcher.on('connected', () => this.guard(() => mine() && this.backoff.reset()));
    watcher.on('data', (response: IWatchResponse) => this.guard(() => mine() && this.deliver(response)));
    watcher.on('disconnected', (error: unknown) => this.guard(() => mine() && this.reconnect(error)));
    watcher.on('error', (error: unknown) => this.guard(() => mine() && this.cancelled(error)));
  }

  private deliver(response: IWatchResponse): void {
    for (const event of eventsOf(response, this.accept)) this.call(() => this.options.onEvent(event));
    this.next = nextRevisionAfter(response, this.next);
  }

  /** The stream failed: etcd3 would resume from the wrong revision, so drop its watcher and re-open. */
  private reconnect(error: unknown): void {
    this.report(translateEtcdError(error, `watch ${this.options.prefix}`, 'read'));
    this.status = 'reconnecting';
    void this.detach();
    this.timer = setTimeout(() => this.open(), this.backoff.next());
  }

  /** etcd cancelled the watch (compaction, or a refusal): read everything and watch again. */
  private cancelled(error: unknown): void {
    this.current = undefined; // etcd3 has already dropped this watcher
    this.status = 'resyncing';
    void this.cancelReason(error).then((reason) => {
      const cause = error instanceof Error ? error.message : String(error);
      this.report(new EtcdError(`watch ${this.options.prefix} cancelled by etcd (${reason}) at revision ${this.next}: ${cause}`, { cause: error }));
      return this.resync(reason);
    });
  }

  /**
   * etcd3 keeps only cancel_reason, which etcd leaves empty for compaction (compact_revision is
   * dropped), so ask etcd whether our resume revision is still in its history.
   */
  private async cancelReason(error: unknown): Promise<ResyncReason> {
    if (resyncReasonOf(error) === 'compacted') return 'compacted';
    try {
      const key = Buffer.from(this.options.prefix, 'utf8');
      await this.options.client.kv.range({ key, revision: this.next, count_only: true, limit: 1 });
      return 'canceled';
    } catch (probe) {
      return resyncReasonOf(probe);
    }
  }

  private async resync(reason: ResyncReason): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'resyncing';
    while (this.status === 'resyncing') {
      try {
        const snapshot = await this.options.store.rangePrefix(this.options.prefix);
        if (this.status !== 'resyncing') return;
        const kvs = snapshot.kvs.filter((kv) => this.accept(kv.key));
        await this.callAsync(() => this.options.onResync({ reason, revision: snapshot.revision, kvs }));
        this.resyncs++;
        this.next = (BigInt(snapshot.revision) + 1n).toString();
        this.open();
        return;
      } catch (error) {
        this.report(error);
        await new Promise((resolve) => (this.timer = setTimeout(resolve, this.backoff.next())));
      }
    }
  }

  private async detach(): Promise<void> {
    const watcher = this.current;
    this.current = undefined;
    if (!watcher) return;
    let timeout: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timeout = setTimeout(resolve, CANCEL_WAIT_MS)));
    await Promise.race([watcher.cancel().catch(() => undefined), waited]);
    clearTimeout(timeout);
  }

  /** Runs our own listener code; a bug here must not become etcd3's uncaught rethrow either. */
  private guard(fn: () => unknown): void {
    try {
      fn();
    } catch (error) {
      this.report(error);
    }
  }

  /** Runs a caller's handler: a throw or a rejected promise goes to onError. */
  private call(fn: () => void | Promise<void>): void {
    void this.callAsync(fn);
  }

  private async callAsync(fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    const reported = error instanceof Error ? error : new EtcdError(`watch ${this.options.prefix}: ${String(error)}`, { cause: error });
    try {
      this.options.onError(reported);
    } catch {
      // onError itself failed; there is nobody left to tell.
    }
  }
}
