/**
 * A prefix watcher for drift detection that never dies quietly and never stays silently stale.
 *
 * Guarantees:
 * - Every change under `prefix` (admitted by `accept`) after the start point reaches `onEvent`, in
 *   revision order, unless history was compacted; then `onResync` receives the full state at a newer
 *   revision, and events continue from the revision after it. Nothing is skipped silently.
 * - A watch that hears nothing (no events, no progress notification) for `silenceLimitMs` is
 *   presumed stuck: the watcher reads the prefix again (onResync, reason 'silent') and re-opens the
 *   watch from there. It asks etcd for a progress notification every `progressIntervalMs`, so a
 *   healthy idle watch is never silent that long.
 * - The watch requires a leader (`hasleader` metadata): a member cut off from quorum ends the stream
 *   within a few election timeouts instead of serving a silent, stale watch; the watcher re-opens it
 *   (etcd3's pool picks an endpoint at random, skipping ones whose circuit is open).
 * - `resync()` reads the prefix from etcd (paginated, at one revision) and hands it to `onResync`
 *   (reason 'periodic') without touching the watch: a view kept from it never depends on the watch.
 * - Handler failures (throws or rejected promises) go to `onError`; the watch goes on. Stream
 *   failures are reported to `onError` and the watch is re-opened with backoff from the first
 *   revision not yet delivered. A cancellation for compaction is reported as EtcdWatchCompactedError
 *   (no failure of etcd: a caller telling "etcd is away" skips it). A watch etcd cancels for a reason other than compaction (a refusal,
 *   which may repeat at once) is read again and re-opened after the same backoff; a compacted one
 *   at once. The backoff is reset only by a response that shows the watch works (events or a
 *   progress notification), not by `created`: etcd may create a watch and cancel it straight away.
 * - `onError` may call `stop()` (a reader giving up on a refusal): a stopped watcher reads and
 *   watches nothing again.
 * Assumptions: handlers are cheap (enqueue work); `onEvent`'s promise is not awaited.
 *
 * Traps of etcd3 1.1.2 (node_modules/etcd3/lib/watch.js), why this watcher runs its own stream
 * (client.watchClient.watch) instead of etcd3's WatchManager:
 * - WatchManager.handleResponse throws on a response whose watch_id it does not know, and etcd
 *   answers a WatchProgressRequest with watch_id -1: asking for progress through it would throw
 *   inside grpc-js's stream callback. Its create request cannot carry `fragment`, nor call options
 *   (so no `hasleader`), and it drops compact_revision from a cancellation.
 * - WatchManager.handleUpdateResponse rethrows a handler's exception in setImmediate (uncaught);
 *   Watcher.updateRevision resumes from header.revision + 1, which skips the rest of a catch-up.
 * Here every stream callback runs inside try/catch, the resume revision is tracked in
 * watch-events.ts, and a stream belongs to one epoch: callbacks of a replaced stream do nothing.
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { Etcd3, IWatchRequest, IWatchResponse } from 'etcd3';
import type { KeySnapshot, Store, StoredKeyValue } from '../controller/ports.ts';
import { presentKey } from '../domain/key-state.ts';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import { REQUIRE_LEADER } from './client.ts';
import { EtcdError, EtcdWatchCompactedError } from './errors.ts';
import { cancelledWatchError, translateEtcdError } from './translate-error.ts';
import { eventsOf, nextRevisionAfter, resyncReasonOf, watchCreateRequest, type ResyncEvent, type ResyncReason, type WatchEvent } from './watch-events.ts';

export interface PrefixWatcherOptions {
  readonly client: Etcd3;
  /** Used for the full reads (resync). */
  readonly store: Pick<Store, 'scanPrefix'>;
  /** Watched key prefix, e.g. `/cairn/`. */
  readonly prefix: string;
  /** Which keys to report (e.g. data/ and meta/ but not the fence). Default: all. */
  readonly accept?: (key: string) => boolean;
  /** How a key of a full read is handed over (e.g. a hash instead of the value). Default: as read. */
  readonly summarize?: (kv: StoredKeyValue) => KeySnapshot;
  /** Deliver events from this revision on. Without it, start with a full read ('initial' resync). */
  readonly startRevision?: string;
  readonly onEvent: (event: WatchEvent) => void | Promise<void>;
  readonly onResync: (resync: ResyncEvent) => void | Promise<void>;
  readonly onError: (error: Error) => void;
  /** A progress notification arrived: the watch is alive and caught up, if idle (e.g. a liveness beat). */
  readonly onProgress?: () => void;
  readonly backoff?: BackoffOptions;
  /** How often to ask etcd for a progress notification. */
  readonly progressIntervalMs?: number;
  /** How long the watch may hear nothing before it is presumed stuck. */
  readonly silenceLimitMs?: number;
}

export type WatcherState = 'idle' | 'resyncing' | 'watching' | 'reconnecting' | 'stopped';

export const DEFAULT_PROGRESS_INTERVAL_MS = 5_000;
export const DEFAULT_SILENCE_LIMIT_MS = 15_000;

type WatchStream = ClientDuplexStream<IWatchRequest, IWatchResponse>;

function asIs(kv: StoredKeyValue): KeySnapshot {
  return { key: kv.key, state: presentKey(kv.value, kv.modRevision, kv.createRevision) };
}

export class PrefixWatcher {
  private readonly options: PrefixWatcherOptions;
  private readonly accept: (key: string) => boolean;
  private readonly summarize: (kv: StoredKeyValue) => KeySnapshot;
  private readonly backoff: Backoff;
  private readonly progressIntervalMs: number;
  private readonly silenceLimitMs: number;
  private stream: WatchStream | undefined;
  /** Each opened stream gets a new epoch; callbacks of older streams are ignored. */
  private epoch = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  /** Events of a response etcd split into fragments, until its last fragment. */
  private fragments: IWatchResponse['events'] = [];
  private next = '0';
  private status: WatcherState = 'idle';
  private periodic: Promise<void> | undefined;

  constructor(options: PrefixWatcherOptions) {
    this.options = options;
    this.accept = options.accept ?? (() => true);
    this.summarize = options.summarize ?? asIs;
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.progressIntervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    this.silenceLimitMs = options.silenceLimitMs ?? DEFAULT_SILENCE_LIMIT_MS;
  }

  /** Revision through which every change has been delivered (or covered by a resync). */
  get lastRevision(): string {
    return (BigInt(this.next) - 1n).toString();
  }

  get state(): WatcherState {
    return this.status;
  }

  start(): void {
    if (this.status !== 'idle') throw new Error(`PrefixWatcher.start: already ${this.status}`);
    if (this.options.startRevision === undefined) {
      void this.resyncAndReopen('initial');
    } else {
      this.next = this.options.startRevision;
      void this.open();
    }
  }

  async stop(): Promise<void> {
    this.status = 'stopped';
    clearTimeout(this.retryTimer);
    this.close();
    await this.periodic;
  }

  /**
   * Asks etcd for a progress notification now, besides the periodic ones: etcd answers (once the
   * watch has caught up) with its current revision after every event up to it, so `lastRevision`
   * then covers every change etcd had applied when it answered. Nothing while no stream is open
   * (also just after a re-open, while the stream is being created).
   * Returns whether a request was written: when not, no notification is coming for it.
   */
  requestProgress(): boolean {
    const stream = this.stream;
    if (stream === undefined || this.status !== 'watching') return false;
    try {
      stream.write({ progress_request: {} });
      return true;
    } catch (error) {
      this.report(error);
      return false;
    }
  }

  /**
   * Reads the prefix from etcd and hands it over (reason 'periodic'); the watch stays as it is.
   * Skipped while the watcher is already reading or re-opening (that read, or the next, covers it).
   * Errors go to onError; the caller's next period tries again.
   */
  async resync(): Promise<void> {
    if (this.status !== 'watching' || this.periodic !== undefined) return;
    this.periodic = this.readAndHandOver('periodic')
      .then(() => undefined, (error: unknown) => this.report(error))
      .finally(() => (this.periodic = undefined));
    await this.periodic;
  }

  private async open(): Promise<void> {
    if (this.status === 'stopped') return;
    this.close();
    const epoch = ++this.epoch;
    this.status = 'watching';
    this.fragments = [];
    this.watchSilence(epoch);
    let stream: WatchStream;
    try {
      stream = (await this.options.client.watchClient.watch(REQUIRE_LEADER)) as WatchStream;
    } catch (error) {
      this.guard(() => epoch === this.epoch && this.failed(error));
      return;
    }
    if (epoch !== this.epoch || this.status !== 'watching') {
      stream.cancel();
      return;
    }
    this.stream = stream;
    const mine = (): boolean => epoch === this.epoch && this.status === 'watching';
    stream.on('data', (response: IWatchResponse) => this.guard(() => mine() && this.receive(response)));
    stream.on('error', (error: unknown) => this.guard(() => mine() && this.failed(error)));
    stream.on('end', () => this.guard(() => mine() && this.failed(new EtcdError(`watch ${this.options.prefix}: etcd ended the stream`))));
    stream.write({ create_request: watchCreateRequest(this.options.prefix, this.next) });
    this.progressTimer = setInterval(() => this.guard(() => mine() && stream.write({ progress_request: {} })), this.progressIntervalMs);
  }

  private receive(response: IWatchResponse): void {
    this.watchSilence(this.epoch);
    if (response.canceled) return this.cancelled(response);
    if (response.created) return;
    this.backoff.reset(); // events or a progress notification: this watch works
    if (response.fragment) {
      this.fragments = [...this.fragments, ...response.events];
      return;
    }
    const whole = this.fragments.length > 0 ? { ...response, events: [...this.fragments, ...response.events] } : response;
    this.fragments = [];
    if (whole.events.length === 0 && this.options.onProgress) this.call(this.options.onProgress);
    for (const event of eventsOf(whole, this.accept, this.next)) this.call(() => this.options.onEvent(event));
    this.next = nextRevisionAfter(whole, this.next);
  }

  /** The stream failed (etcd down, no leader, connection reset): re-open from `next` with backoff. */
  private failed(error: unknown): void {
    this.report(translateEtcdError(error, `watch ${this.options.prefix}`, 'read'));
    if (this.status === 'stopped') return; // onError stopped the watcher: nothing to re-open
    this.close();
    this.status = 'reconnecting';
    this.retryTimer = setTimeout(() => void this.open(), this.backoff.next());
  }

  /**
   * etcd cancelled the watch: read everything and watch again; at once after a compaction (the read
   * is the remedy), after the backoff otherwise (a refusal may repeat: no loop of full reads).
   */
  private cancelled(response: IWatchResponse): void {
    const reason = resyncReasonOf(response);
    const message = `watch ${this.options.prefix} cancelled by etcd (${reason}) at revision ${this.next}: ${response.cancel_reason || 'no reason given'}`;
    this.report(reason === 'compacted' ? new EtcdWatchCompactedError(message) : cancelledWatchError(message, response.cancel_reason ?? ''));
    if (this.status === 'stopped') return; // onError stopped the watcher
    if (reason === 'compacted') return void this.resyncAndReopen(reason);
    this.close();
    this.status = 'reconnecting';
    this.retryTimer = setTimeout(() => void this.resyncAndReopen(reason), this.backoff.next());
  }

  /** Nothing heard for silenceLimitMs on this epoch's stream: presume it stuck, read and re-open. */
  private watchSilence(epoch: number): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      this.guard(() => {
        if (epoch !== this.epoch || this.status !== 'watching') return;
        this.report(new EtcdError(`watch ${this.options.prefix}: nothing heard for ${this.silenceLimitMs} ms (no events, no progress); reading the prefix and re-opening the watch`));
        void this.resyncAndReopen('silent');
      });
    }, this.silenceLimitMs);
  }

  private async resyncAndReopen(reason: ResyncReason): Promise<void> {
    if (this.status === 'stopped') return;
    this.close();
    this.status = 'resyncing';
    while (this.status === 'resyncing') {
      try {
        await this.readAndHandOver(reason);
        if (this.status !== 'resyncing') return;
        await this.open();
        return;
      } catch (error) {
        this.report(error);
        if (this.status !== 'resyncing') return; // onError stopped the watcher
        await new Promise((resolve) => (this.retryTimer = setTimeout(resolve, this.backoff.next())));
      }
    }
  }

  /** One full read, handed to onResync; `next` moves past it unless the watch is already further. */
  private async readAndHandOver(reason: ResyncReason): Promise<void> {
    const keys: KeySnapshot[] = [];
    const revision = await this.options.store.scanPrefix(this.options.prefix, (kv) => {
      if (this.accept(kv.key)) keys.push(this.summarize(kv));
    });
    if (this.status === 'stopped') return;
    await this.callAsync(() => this.options.onResync({ reason, revision, keys }));
    if (reason !== 'periodic') this.next = (BigInt(revision) + 1n).toString();
  }

  /** Ends this epoch's stream and timers (its late callbacks are ignored). */
  private close(): void {
    this.epoch++;
    clearInterval(this.progressTimer);
    clearTimeout(this.silenceTimer);
    clearTimeout(this.retryTimer);
    const stream = this.stream;
    this.stream = undefined;
    if (stream === undefined) return;
    stream.on('error', () => undefined); // the cancellation itself arrives as a CANCELLED error
    stream.cancel();
  }

  /** Runs our own listener code; a throw must not reach grpc-js's stream callback. */
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
