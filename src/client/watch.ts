/**
 * The reader's watch: the operator's PrefixWatcher (etcd/watcher.ts: require-leader, progress
 * requests, a watchdog for silent streams, resume from the first revision not yet delivered, a full
 * read after a compaction) on the namespace's data keys, turned into an async iterator of checked,
 * typed changes. A second watch on the namespace's meta keys (meta-watch.ts) brings each put's meta.
 *
 * Guarantees:
 * - Items come in revision order, each above the one before: a put or delete of revision r follows
 *   only items below r, and a `resync` at revision S is followed only by changes above S. So a value
 *   older than one already yielded is never yielded.
 * - No change is missed for good: every change is yielded, or covered by a later `resync` snapshot
 *   (history compacted while the watch was away, or a consumer so slow that MAX_QUEUED changes piled up).
 * - A put is served as `get` serves it: with its meta as it was at the change's revision, its bytes
 *   checked against the meta's dataHash and its value against its schema; one that fails is yielded
 *   as `rejected`. The meta is the meta watch's event of the same key and revision (the operator
 *   writes both in one transaction); when the meta watch has passed that revision without one, is
 *   away, or has not brought it within META_WAIT_MS of the put, the meta is read at that revision,
 *   and when that revision is already compacted, a fresh snapshot is yielded instead.
 * - etcd being away never ends the iteration: reconnects and retries go on (reported to `onError`)
 *   until `close()`, `break`, or the client's `close()`. A failure is over when the source that
 *   failed answers again (the data watch, the meta watch, the reads: each fails alone, e.g. the meta
 *   watch's progress or a serializable read answers while the data watch, which needs a leader, does
 *   not); once every source that failed has answered, `onRecovered` is told once.
 * - A watch etcd cancels because history was compacted is no failure (etcd is there): not told to
 *   `onError`; the data watch's `resync` (reason `compacted`) says it.
 */
import type { Etcd3 } from 'etcd3';
import { entryKeys } from '../domain/keys.ts';
import { compareRevisions } from '../domain/types.ts';
import { Backoff } from '../etcd/backoff.ts';
import { EtcdWatchCompactedError } from '../etcd/errors.ts';
import { PrefixWatcher } from '../etcd/watcher.ts';
import type { WatchEvent } from '../etcd/watch-events.ts';
import { ReadError } from './errors.ts';
import { MetaWatch } from './meta-watch.ts';
import { entriesPrefix } from './read.ts';
import { isCompacted, isFutureRevision, readCall, toReadError } from './translate.ts';
import type { Change, Entry, ResyncReason, Snapshot, Watch, WatchOptions } from './types.ts';
import type { RawEntry } from './verify-entry.ts';

export interface WatchContext<T> {
  readonly etcd: Etcd3;
  readonly prefix: string;
  readonly namespace: string;
  readonly options: WatchOptions<T>;
  /** get's checks on one entry; throws only when the read failed (isReadFailure: UnavailableError, PermissionDeniedError). */
  readonly verify: (raw: RawEntry) => Promise<Entry<T> | ReadError>;
  /** list: the namespace (and prefix) at one revision, checked. */
  readonly snapshot: () => Promise<Snapshot<T>>;
  readonly onClose: (watch: Watch<T>) => void;
  /** How long a put waits for its meta on the meta watch before reading it; default META_WAIT_MS (tests set it). */
  readonly metaWaitMs?: number;
}

/** Changes waiting for the consumer by default; past this, they are dropped for one snapshot (bounded memory). */
export const MAX_QUEUED = 10_000;

/**
 * The longest a put waits, from its arrival, for its meta on the meta watch before reading it. A meta
 * written with its data comes with it, and a put without one is known as such when the meta watch's
 * progress notification passes its revision (meta-watch.ts): this bound is paid only when that
 * notification does not come (a meta watch still catching up, or stuck until its watchdog fires).
 */
export const META_WAIT_MS = 250;

/** What can fail and answer again on its own. */
type Source = 'data' | 'meta' | 'reads';

type Item =
  | { readonly kind: 'event'; readonly event: WatchEvent; readonly arrivedAt: number }
  | { readonly kind: 'resync'; readonly reason: ResyncReason; readonly snapshot: Snapshot<unknown> }
  | { readonly kind: 'snapshotNeeded'; readonly reason: ResyncReason };

export function openWatch<T>(context: WatchContext<T>): Watch<T> {
  return new ReaderWatch(context);
}

class ReaderWatch<T> implements Watch<T> {
  private readonly context: WatchContext<T>;
  private readonly watcher: PrefixWatcher;
  private readonly metas: MetaWatch;
  private readonly dataStart: string;
  private readonly retry = new Backoff();
  private queue: Item[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  /** Revision of the last item yielded: nothing at or below it is yielded again. */
  private floor = '0';
  /** The snapshot the watcher's last full read produced, handed over by onResync. */
  private lastRead: Snapshot<T> | undefined;
  /** The sources with a failure reported that have not answered since. */
  private readonly failing = new Set<Source>();

  constructor(context: WatchContext<T>) {
    this.context = context;
    this.dataStart = entriesPrefix(context.prefix, 'data', context.namespace, context.options.prefix);
    const after = context.options.afterRevision;
    if (after !== undefined) this.floor = BigInt(after).toString();
    const startRevision = after === undefined ? undefined : (BigInt(after) + 1n).toString();
    const metaStart = entriesPrefix(context.prefix, 'meta', context.namespace, context.options.prefix);
    this.metas = new MetaWatch({
      etcd: context.etcd,
      start: metaStart,
      keyOf: (absolute) => this.relativeKey(absolute, metaStart),
      ...(startRevision === undefined ? {} : { startRevision }),
      limit: context.options.maxQueued ?? MAX_QUEUED,
      onError: (error) => this.report(error, 'meta'),
      onAlive: () => this.alive('meta'),
    });
    this.watcher = new PrefixWatcher({
      client: context.etcd,
      // The watcher's full read is the reader's snapshot (data and meta at one revision, checked).
      store: {
        scanPrefix: async () => {
          this.lastRead = await context.snapshot();
          this.alive('data');
          return this.lastRead.revision;
        },
      },
      prefix: this.dataStart,
      ...(startRevision === undefined ? {} : { startRevision }),
      onEvent: (event) => {
        this.alive('data');
        this.push({ kind: 'event', event, arrivedAt: performance.now() });
      },
      onProgress: () => this.alive('data'),
      onResync: (resync) => {
        const snapshot = this.lastRead;
        if (snapshot === undefined || snapshot.revision !== resync.revision || resync.reason === 'periodic') return;
        this.push({ kind: 'resync', reason: resync.reason, snapshot });
      },
      onError: (error) => this.report(error, 'data'),
    });
    this.metas.start();
    this.watcher.start();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Change<T>>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const item = this.queue.shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const change = await this.changeOf(item);
      if (change === undefined || this.closed) continue;
      this.floor = change.revision;
      return { done: false, value: change };
    }
  }

  async return(): Promise<IteratorResult<Change<T>>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.wake?.();
    this.context.onClose(this);
    await Promise.all([this.watcher.stop(), this.metas.stop()]);
  }

  private push(item: Item): void {
    if (this.closed) return;
    if (this.queue.length >= (this.context.options.maxQueued ?? MAX_QUEUED)) this.queue = [{ kind: 'snapshotNeeded', reason: 'overflow' }];
    else this.queue.push(item);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** What the consumer gets for one item; undefined when nothing (older than what was yielded). */
  private async changeOf(item: Item): Promise<Change<T> | undefined> {
    if (item.kind === 'snapshotNeeded') return this.resnapshot(item.reason);
    if (item.kind === 'resync') {
      if (compareRevisions(item.snapshot.revision, this.floor) <= 0) return undefined;
      return { type: 'resync', revision: item.snapshot.revision, reason: item.reason, snapshot: item.snapshot as Snapshot<T> };
    }
    const event = item.event;
    if (compareRevisions(event.modRevision, this.floor) <= 0) return undefined;
    const key = this.relativeKey(event.key, this.dataStart);
    const { namespace } = this.context;
    if (event.type === 'delete') return { type: 'delete', revision: event.modRevision, namespace, key };
    const meta = await this.metaOf(key, event.modRevision, item.arrivedAt);
    if (meta === 'compacted') return this.resnapshot('compacted');
    if (meta === 'closed') return undefined;
    const data = { value: event.value, modRevision: event.modRevision };
    const judged = await this.untilRead(() => this.context.verify({ namespace, key, data, meta }));
    if (judged === 'closed') return undefined;
    if (judged instanceof ReadError) return { type: 'rejected', revision: event.modRevision, namespace, key, error: judged };
    return { type: 'put', revision: event.modRevision, entry: judged };
  }

  /** `key`'s meta at `revision`: the meta watch's event of that revision, else read (metaAt). */
  private async metaOf(key: string, revision: string, arrivedAt: number): Promise<RawEntry['meta'] | 'compacted' | 'closed'> {
    const seen = await this.metas.seen(key, revision, arrivedAt + (this.context.metaWaitMs ?? META_WAIT_MS));
    if (seen !== undefined) return seen.meta;
    return this.untilRead(() => this.metaAt(key, revision));
  }

  /**
   * The meta key of `key` as it was at `revision`, or 'compacted' when etcd no longer has that revision.
   * History at a fixed revision never changes, so any member that has applied it answers alike: the
   * read is serializable (the member's own state, no round to the leader), and linearizable only when
   * the member asked has not applied that revision yet.
   */
  private async metaAt(key: string, revision: string): Promise<RawEntry['meta'] | 'compacted'> {
    const metaKey = entryKeys(this.context.prefix, this.context.namespace, key).meta;
    const read = (serializable: boolean) =>
      readCall(`read ${metaKey} at ${revision}`, () => this.context.etcd.kv.range({ key: Buffer.from(metaKey, 'utf8'), revision, serializable }));
    try {
      const response = await read(true).catch((error: unknown) => (isFutureRevision(error) ? read(false) : Promise.reject(error)));
      const kv = response.kvs[0];
      return kv === undefined ? undefined : { value: kv.value.toString('utf8'), modRevision: kv.mod_revision };
    } catch (error) {
      if (isCompacted(error)) return 'compacted';
      throw error;
    }
  }

  /** A snapshot read now, yielded as a resync (its revision is above everything queued before it was asked for). */
  private async resnapshot(reason: ResyncReason): Promise<Change<T> | undefined> {
    const snapshot = await this.untilRead(() => this.context.snapshot());
    if (snapshot === 'closed' || compareRevisions(snapshot.revision, this.floor) <= 0) return undefined;
    return { type: 'resync', revision: snapshot.revision, reason, snapshot };
  }

  /** Retries a read while etcd is unavailable (with backoff, reported), until it succeeds or the watch closes. */
  private async untilRead<R>(read: () => Promise<R>): Promise<R | 'closed'> {
    for (;;) {
      if (this.closed) return 'closed';
      try {
        const result = await read();
        this.retry.reset();
        this.alive('reads');
        return result;
      } catch (error) {
        this.report(error, 'reads');
        await new Promise((resolve) => setTimeout(resolve, this.retry.next()));
      }
    }
  }

  /** The key relative to the namespace of an absolute data or meta key under `start`. */
  private relativeKey(absolute: string, start: string): string {
    return absolute.slice(start.length - (this.context.options.prefix ?? '').length);
  }

  /** `source` answered: once no source is failing any more, tell onRecovered (once per failing spell). */
  private alive(source: Source): void {
    if (!this.failing.delete(source) || this.failing.size > 0 || this.closed) return;
    try {
      this.context.options.onRecovered?.();
    } catch {
      // the caller's onRecovered failed; the watch goes on.
    }
  }

  private report(error: unknown, source: Source): void {
    if (error instanceof EtcdWatchCompactedError) return; // the resync (reason compacted) says it
    this.failing.add(source);
    try {
      this.context.options.onError?.(toReadError(error, `watch ${this.dataStart}`));
    } catch {
      // the caller's onError failed; the watch goes on.
    }
  }
}
