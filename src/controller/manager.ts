/**
 * Runs the controller: the informer feeds the keyed work queue; the drift watch keeps the store view
 * current and queues the owners of keys changed outside Cairn; leader election decides when this
 * replica works, and a fence in etcd makes sure a deposed leader cannot write; a periodic resync
 * queues every entry.
 *
 * Order on takeover: acquire the fence (so every later commit compares it), then queue every entry.
 * On losing leadership or the fence: stop reconciling at once (in-flight commits fail in etcd).
 */
import type { ConfigEntry } from '../api/config-entry.ts';
import { CONTROLLER_NAME } from '../api/names.ts';
import { resolveEntryKeys } from '../domain/entry-keys.ts';
import { fenceKey, parseStoreKey, entryKeys } from '../domain/keys.ts';
import type { Fence } from '../domain/types.ts';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import type { ReconcileDeps } from './context.ts';
import { KeyIndex } from './key-index.ts';
import type { EntryCache, EntryEventSink, EntryWriter, OutcomeUnknownTest, Store } from './ports.ts';
import { Reconciler } from './reconciler.ts';
import { StoreMirror } from './store-mirror.ts';
import { WorkQueue } from './work-queue.ts';

export interface Runnable {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface StoreWatchHandlers {
  onEvent(event: { type: 'put' | 'delete'; key: string; value?: string; modRevision: string }): void;
  onResync(snapshot: { revision: string; kvs: readonly { key: string; value: string; modRevision: string; createRevision: string }[] }): void;
  onError(error: Error): void;
}

export interface ManagerOptions {
  readonly prefix: string;
  readonly maxBytes: number;
  readonly concurrency: number;
  readonly resyncMs: number;
  readonly identity: string;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** After losing the fence, wait this long (a Lease duration) before fencing again, if still leading. */
  readonly refenceAfterMs?: number;
}

export interface ManagerParts {
  readonly createInformer: (onChange: (key: string, before: ConfigEntry | undefined, after: ConfigEntry | undefined) => void) => EntryCache & Runnable & { readonly hasSynced: boolean };
  readonly createStoreWatch: (handlers: StoreWatchHandlers) => Runnable;
  /** Leader election; undefined runs as the only replica (it leads at once). */
  readonly createElector?: (onStartedLeading: () => void, onStoppedLeading: () => void) => Runnable;
  readonly store: Store & { acquireFence(fenceKey: string, holder: string): Promise<Fence> };
  readonly writer: EntryWriter;
  readonly events: EntryEventSink;
  readonly isOutcomeUnknown: OutcomeUnknownTest;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
}

export class Manager {
  readonly mirror = new StoreMirror();
  private readonly index = new KeyIndex();
  private readonly options: ManagerOptions;
  private readonly parts: ManagerParts;
  private readonly informer: EntryCache & Runnable & { readonly hasSynced: boolean };
  private readonly storeWatch: Runnable;
  private readonly elector: Runnable | undefined;
  private readonly queue: WorkQueue;
  private readonly log: Logger;
  private fence: Fence | undefined;
  private leading = false;
  private takingOver = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;

  constructor(options: ManagerOptions, parts: ManagerParts) {
    this.options = options;
    this.parts = parts;
    this.log = parts.log;
    const m = parts.metrics;
    m.maxConcurrent.set({ controller: CONTROLLER_NAME }, options.concurrency);
    this.informer = parts.createInformer((key, before, after) => this.onEntryChange(key, before, after));
    this.storeWatch = parts.createStoreWatch({
      onEvent: (event) => this.onStoreEvent(event),
      onResync: (snapshot) => this.onStoreResync(snapshot),
      onError: (error) => this.log.warn({ err: error }, 'etcd watch'),
    });
    this.elector = parts.createElector?.(() => void this.startLeading(), () => this.stopLeading('lost the lease'));
    const deps: ReconcileDeps = {
      cache: this.informer,
      writer: parts.writer,
      events: parts.events,
      store: parts.store,
      view: this.mirror,
      isOutcomeUnknown: parts.isOutcomeUnknown,
      fence: () => this.fence,
      onFencingLost: (lost) => this.onFencingLost(lost),
      prefix: options.prefix,
      maxBytes: options.maxBytes,
      now: parts.now ?? (() => new Date()),
      log: parts.log,
      metrics: m,
    };
    const reconciler = new Reconciler(deps);
    const name = CONTROLLER_NAME;
    this.queue = new WorkQueue({
      concurrency: options.concurrency,
      process: (key) => reconciler.reconcile(key),
      backoffBaseMs: options.backoffBaseMs ?? 100,
      backoffMaxMs: options.backoffMaxMs ?? 60_000,
      onUnexpectedError: (key, error) => this.log.error({ key, err: error }, 'reconcile threw'),
      hooks: {
        depth: (d) => m.queueDepth.set({ name }, d),
        added: () => m.queueAdds.inc({ name }),
        retried: () => m.queueRetries.inc({ name }),
        waited: (s) => {
          m.queueLatency.observe({ name }, s);
          m.stage.observe({ stage: 'queue_wait' }, s);
        },
        worked: (s) => m.workDuration.observe({ name }, s),
        active: (n) => m.activeWorkers.set({ controller: name }, n),
      },
    });
  }

  /** True when the informer has synced and the store view holds a full read. */
  get isSynced(): boolean {
    return this.informer.hasSynced && this.mirror.isSynced;
  }

  get isLeading(): boolean {
    return this.fence !== undefined;
  }

  async start(): Promise<void> {
    await this.storeWatch.start();
    await this.informer.start();
    if (this.elector) await this.elector.start();
    else await this.startLeading();
    if (this.options.resyncMs > 0) this.scheduleResync();
  }

  async stop(): Promise<void> {
    clearTimeout(this.resyncTimer);
    clearTimeout(this.fenceTimer);
    this.fence = undefined;
    await this.elector?.stop();
    await this.queue.shutdown();
    await this.informer.stop();
    await this.storeWatch.stop();
  }

  private async startLeading(): Promise<void> {
    if (this.takingOver) return;
    this.takingOver = true;
    try {
      await this.takeOver();
    } finally {
      this.takingOver = false;
    }
  }

  private async takeOver(): Promise<void> {
    clearTimeout(this.fenceTimer);
    this.leading = true;
    this.parts.metrics.leader.set({ name: CONTROLLER_NAME }, 1);
    try {
      const fence = await this.parts.store.acquireFence(fenceKey(this.options.prefix), this.options.identity);
      if (!this.leading) return; // lost the Lease meanwhile
      this.mirror.requireRevision(fence.revision);
      this.fence = fence;
      // Planning from a caught-up view costs no reads; until then each entry reads etcd (still correct).
      await this.mirrorCaughtUp(10_000);
      this.log.info({ fence: this.fence.revision, identity: this.options.identity }, 'leading: fence acquired');
      this.queueAll();
    } catch (error) {
      this.log.error({ err: error }, 'could not acquire the fence; retrying');
      this.fenceTimer = setTimeout(() => this.leading && void this.startLeading(), 1_000);
    }
  }

  private async mirrorCaughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.leading && !this.mirror.isCaughtUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private stopLeading(why: string): void {
    clearTimeout(this.fenceTimer);
    this.leading = false;
    this.fence = undefined;
    this.parts.metrics.leader.set({ name: CONTROLLER_NAME }, 0);
    this.log.warn({ why }, 'stopped leading');
  }

  /**
   * etcd says another process moved the fence `lost`: stop writing; fence again only if the Lease is
   * still ours. A report about an older fence than the current one changes nothing.
   */
  private onFencingLost(lost: Fence): void {
    if (this.fence === undefined || this.fence.revision !== lost.revision) return;
    this.fence = undefined;
    this.log.warn('fencing lost: another process took over the store');
    // Give the elector a lease period to notice whether someone else holds the Lease.
    clearTimeout(this.fenceTimer);
    this.fenceTimer = setTimeout(() => this.leading && void this.startLeading(), this.options.refenceAfterMs ?? 15_000);
  }

  private queueAll(): void {
    for (const key of this.informer.keys()) this.queue.add(key);
  }

  private scheduleResync(): void {
    const jittered = this.options.resyncMs * (0.9 + Math.random() * 0.2);
    this.resyncTimer = setTimeout(() => {
      if (this.fence !== undefined) this.queueAll();
      this.scheduleResync();
    }, jittered);
  }

  private onEntryChange(key: string, before: ConfigEntry | undefined, after: ConfigEntry | undefined): void {
    if (after === undefined) {
      this.index.remove(key);
      return;
    }
    const resolved = resolveEntryKeys(after, this.options.prefix);
    this.index.set(key, resolved.ok ? resolved.keys.data : undefined);
    // Our own status writes change nothing the reconciler reads: skip them (generation-changed
    // predicate), but react to spec, deletion and finalizer changes.
    if (before !== undefined && !changedForReconcile(before, after)) return;
    this.queue.add(key);
  }

  private onStoreEvent(event: { type: 'put' | 'delete'; key: string; value?: string; modRevision: string }): void {
    const state = event.type === 'put' ? { exists: true as const, value: event.value ?? '', modRevision: event.modRevision, createRevision: event.modRevision } : { exists: false as const };
    if (!this.mirror.apply(event.key, state, event.modRevision)) return; // our own commit, already recorded
    const parsed = parseStoreKey(this.options.prefix, event.key);
    if (parsed === undefined) return;
    for (const owner of this.index.claimants(entryKeys(this.options.prefix, parsed.namespace, parsed.key).data)) this.queue.add(owner);
  }

  private onStoreResync(snapshot: Parameters<StoreWatchHandlers['onResync']>[0]): void {
    this.mirror.reset(snapshot.kvs, snapshot.revision);
    // Changes may have been missed: every entry is checked again (reads from the view, no writes).
    if (this.fence !== undefined) this.queueAll();
  }
}

function changedForReconcile(before: ConfigEntry, after: ConfigEntry): boolean {
  const a = before.metadata;
  const b = after.metadata;
  return a.generation !== b.generation || a.deletionTimestamp !== b.deletionTimestamp || (a.finalizers ?? []).join('\n') !== (b.finalizers ?? []).join('\n') || a.uid !== b.uid;
}
