/**
 * Runs the controller, wiring small parts: the informer feeds the keyed work queue (through the
 * `changedForReconcile` predicate); the drift watch keeps the store view current and queues the
 * owners of keys changed outside Cairn; leadership (`leadership.ts`: one epoch per Lease held, fenced
 * in etcd) decides when this replica writes; a periodic resync reads the prefix from etcd into the
 * view (never trusting the watch alone) and queues every entry.
 *
 * Order on stop: stop taking work and let in-flight reconciles finish (they still hold the fence),
 * then end leadership and release the Lease, then close the watches.
 */
import type { ConfigEntry } from '../api/config-entry.ts';
import { CONTROLLER_NAME, schemaNameOf } from '../api/names.ts';
import { resolveEntryKeys } from '../domain/entry-keys.ts';
import { fenceKey, parseStoreKey, entryKeys } from '../domain/keys.ts';
import { presentKey } from '../domain/key-state.ts';
import type { Fence } from '../domain/types.ts';
import type { SchemaLookup } from '../domain/validate.ts';
import { changedForReconcile } from './changed-for-reconcile.ts';
import { addUses } from './schema-users.ts';
import { Leadership, type LeadershipTiming } from './leadership.ts';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import type { ReconcileDeps } from './context.ts';
import { KeyIndex } from './key-index.ts';
import type { EntryCache, EntryEventSink, EntryWriter, Fencing, KeySnapshot, OutcomeUnknownTest, Store, StoredKeyValue } from './ports.ts';
import { Reconciler } from './reconciler.ts';
import { StoreMirror } from './store-mirror.ts';
import { VerdictCache } from './verdict-cache.ts';
import { WorkQueue } from './work-queue.ts';
import { queueMetrics } from './queue-metrics.ts';

export interface Runnable {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface StoreWatchHandlers {
  onEvent(event: StoreWatchEvent): void;
  onResync(snapshot: { revision: string; keys: readonly KeySnapshot[] }): void;
  onError(error: Error): void;
  /** How a key of a full read is kept: the view's own summary (hash, no value), so no read holds values. */
  summarize(kv: StoredKeyValue): KeySnapshot;
}

export type StoreWatchEvent =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly modRevision: string; readonly createRevision: string }
  | { readonly type: 'delete'; readonly key: string; readonly modRevision: string };

/** The drift watch: events and full reads into the view; `resync` reads etcd again now. */
export interface StoreWatch extends Runnable {
  resync(): Promise<void>;
}

/**
 * Another kind's controller under this manager's leadership and store view (ConfigBundle): its
 * claimants in the key index start with `claimPrefix`; it is queued on takeover and after full reads.
 */
export interface Follower {
  readonly claimPrefix: string;
  queue(key: string): void;
  queueAll(): void;
}

export interface ManagerOptions {
  readonly prefix: string;
  readonly maxBytes: number;
  readonly concurrency: number;
  readonly resyncMs: number;
  readonly identity: string;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Fencing retries, the wait for the store view, and the stall bound (see leadership.ts). */
  readonly leadership?: Partial<LeadershipTiming>;
}

export interface ManagerParts {
  readonly createInformer: (onChange: (key: string, before: ConfigEntry | undefined, after: ConfigEntry | undefined) => void) => EntryCache & Runnable & { readonly hasSynced: boolean };
  readonly createStoreWatch: (handlers: StoreWatchHandlers) => StoreWatch;
  /** Leader election; undefined runs as the only replica (it leads at once). */
  readonly createElector?: (onStartedLeading: () => void, onStoppedLeading: () => void) => Runnable;
  readonly store: Store;
  readonly writer: EntryWriter;
  readonly events: EntryEventSink;
  readonly isOutcomeUnknown: OutcomeUnknownTest;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
  /** Called each time this replica fences (starts or resumes leading): the schema controller queues every schema. */
  readonly onFenced?: () => void;
  /** Called with the schema name an entry starts or stops naming (the ConfigSchema's entry count and deletion wait on it). */
  readonly onSchemaUseChanged?: (schemaName: string) => void;
  /** The schema engine's compiled schemas, embedded and declared (the schema registry); absent without the engine. */
  readonly engineSchemas?: (id: string) => SchemaLookup;
}

export class Manager {
  private readonly index = new KeyIndex((dataKey) => this.mirror.claimed(dataKey));
  readonly mirror: StoreMirror;
  private readonly options: ManagerOptions;
  private readonly informer: EntryCache & Runnable & { readonly hasSynced: boolean };
  private readonly storeWatch: StoreWatch;
  private readonly elector: Runnable | undefined;
  private readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly leadership: Leadership;
  /** This leader's fence, for the reconcilers of entries and schemas (which write under the same leadership). */
  readonly fencing: Fencing = {
    current: () => this.leadership.fence,
    stillHolds: (fence) => this.leadership.stillHolds(fence),
    supersede: (fence) => this.leadership.supersede(fence),
    afterRefusal: (fence, fenceNow) => this.leadership.afterRefusal(fence, fenceNow),
  };
  private readonly metrics: Metrics;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** A full read that arrived before the informer's first list: applied once the claims are known. */
  private heldResync: Parameters<StoreWatchHandlers['onResync']>[0] | undefined;
  private readonly onSchemaUseChanged: ((schemaName: string) => void) | undefined;
  private readonly followers: Follower[] = [];
  /** Verdicts already given, one per entry in the informer's cache (forgotten when it leaves). */
  readonly verdicts = new VerdictCache((key, uid) => this.informer.get(key)?.metadata.uid === uid);

  constructor(options: ManagerOptions, parts: ManagerParts) {
    this.options = options;
    this.log = parts.log;
    this.onSchemaUseChanged = parts.onSchemaUseChanged;
    this.mirror = new StoreMirror({ prefix: options.prefix, isClaimed: (dataKey) => this.index.isClaimed(dataKey) });
    const m = parts.metrics;
    this.metrics = m;
    m.maxConcurrent.set({ controller: CONTROLLER_NAME }, options.concurrency);
    this.informer = parts.createInformer((key, before, after) => this.onEntryChange(key, before, after));
    this.leadership = new Leadership({
      fenceKey: fenceKey(options.prefix),
      identity: options.identity,
      acquireFence: (seen) => parts.store.acquireFence(fenceKey(options.prefix), options.identity, seen),
      view: this.mirror,
      onFenced: () => {
        this.queueAll();
        parts.onFenced?.();
      },
      onLeadingChanged: (leading) => m.leader.set({ name: CONTROLLER_NAME }, leading ? 1 : 0),
      onRefusedByAnother: () => m.fencingLost.inc(),
      log: parts.log,
      ...(options.leadership ? { timing: options.leadership } : {}),
    });
    m.leader.set({ name: CONTROLLER_NAME }, 0);
    this.storeWatch = parts.createStoreWatch({
      onEvent: (event) => {
        this.leadership.observeStoreChange(event);
        this.onStoreEvent(event);
      },
      onResync: (snapshot) => {
        this.leadership.observeStoreSnapshot(snapshot);
        this.onStoreResync(snapshot);
      },
      onError: (error) => this.log.warn({ err: error }, 'etcd watch'),
      summarize: (kv) => this.mirror.summarize(kv),
    });
    this.elector = parts.createElector?.(
      () => this.leadership.leaseAcquired(),
      () => this.leadership.leaseLost(),
    );
    const deps: ReconcileDeps = {
      cache: this.informer,
      writer: parts.writer,
      events: parts.events,
      store: parts.store,
      view: this.mirror,
      isOutcomeUnknown: parts.isOutcomeUnknown,
      fencing: this.fencing,
      prefix: options.prefix,
      maxBytes: options.maxBytes,
      engineSchemas: parts.engineSchemas,
      now: parts.now ?? (() => new Date()),
      verdicts: this.verdicts,
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
      hooks: queueMetrics(m, name, (s) => m.stage.observe({ stage: 'queue_wait' }, s)),
    });
  }

  /** True when the informer has synced and the store view holds a full read. */
  get isSynced(): boolean {
    return this.informer.hasSynced && this.mirror.isSynced;
  }

  /** Whether this replica holds a fence (it leads and may write). */
  get isLeading(): boolean {
    return this.fence !== undefined;
  }

  /** Why leadership is stuck (the Lease held too long without a fence), or undefined: for liveness. */
  stalled(): string | undefined {
    return this.leadership.stalled();
  }

  async start(): Promise<void> {
    // The first full read of etcd and the informer's first list run at once; the view keeps only keys
    // entries claim, so that read is applied once the list is in (onStoreResync).
    await this.storeWatch.start();
    await this.informer.start();
    this.applyHeldResync();
    if (this.elector) await this.elector.start();
    else this.leadership.leaseAcquired(); // the only replica: it holds the "Lease" for good
    if (this.options.resyncMs > 0) this.scheduleResync();
  }

  /** Drains in-flight reconciles (which still hold the fence), then ends leadership and releases the Lease. */
  async stop(): Promise<void> {
    clearTimeout(this.resyncTimer);
    await this.queue.shutdown();
    this.leadership.stop();
    await this.elector?.stop();
    await this.informer.stop();
    await this.storeWatch.stop();
  }

  private get fence(): Fence | undefined {
    return this.leadership.fence;
  }

  /** The entries naming a version of schema `schemaName`, `namespace/name` by version. */
  entriesUsing(schemaName: string): Map<string, string[]> {
    const byVersion = new Map<string, string[]>();
    for (const key of this.informer.keys()) addUses(byVersion, schemaName, [this.informer.get(key)?.spec.schema ?? ''], key);
    return byVersion;
  }

  /** Queues every entry naming a version of `schemaName` (it became Ready: those that waited commit). */
  queueEntriesNaming(schemaName: string): void {
    for (const key of this.informer.keys()) {
      if ((this.informer.get(key)?.spec.schema ?? '').startsWith(`${schemaName}@`)) this.queue.add(key);
    }
  }

  /** Adds a follower (before start: its claims must be known when the first full read is applied). */
  follow(follower: Follower): void {
    this.followers.push(follower);
  }

  /** Records the data keys `claimant` claims (a follower's object), so the view keeps them and their changes queue it. */
  claim(claimant: string, dataKeys: readonly string[] | undefined): void {
    this.index.set(claimant, dataKeys);
  }

  /** Every entry, and every follower's every object. */
  private queueAll(): void {
    for (const key of this.informer.keys()) this.queue.add(key);
    for (const follower of this.followers) follower.queueAll();
  }

  /** Queues whoever claims a changed key: an entry, or a follower's object. */
  private queueClaimant(claimant: string): void {
    const follower = this.followers.find((f) => claimant.startsWith(f.claimPrefix));
    if (follower === undefined) this.queue.add(claimant);
    else follower.queue(claimant.slice(follower.claimPrefix.length));
  }

  private scheduleResync(): void {
    const jittered = this.options.resyncMs * (0.9 + Math.random() * 0.2);
    this.resyncTimer = setTimeout(() => {
      // Read etcd, not the view: a stuck watch leaves the view stale, and planning from it again
      // would keep claiming Ready for a value etcd no longer holds. onStoreResync queues every entry.
      void this.storeWatch.resync();
      this.scheduleResync();
    }, jittered);
  }

  private onEntryChange(key: string, before: ConfigEntry | undefined, after: ConfigEntry | undefined): void {
    // Whole ids, not names: a version's removal waits for its users, so a move to another version
    // of the same schema changes who uses what as much as a move to another schema.
    const usedBefore = before?.spec.schema;
    const usedAfter = after?.metadata.deletionTimestamp === undefined ? after?.spec.schema : undefined;
    if (usedBefore !== usedAfter || after === undefined) {
      const names = [usedBefore, usedAfter].flatMap((id) => (id === undefined ? [] : [schemaNameOf(id)]));
      for (const name of new Set(names)) this.onSchemaUseChanged?.(name);
    }
    if (after === undefined) {
      this.index.remove(key);
      this.verdicts.forget(key);
      return;
    }
    const resolved = resolveEntryKeys(after, this.options.prefix);
    this.index.set(key, resolved.ok ? resolved.keys.data : undefined);
    if (before !== undefined && !changedForReconcile(before, after)) return;
    this.queue.add(key);
  }

  private onStoreEvent(event: StoreWatchEvent): void {
    // The echo of our own recorded commit (the usual case), or what the last full read showed: not news, and not hashed.
    if (this.mirror.holdsChange(event.key, event.modRevision)) return;
    const state = event.type === 'put' ? presentKey(event.value, event.modRevision, event.createRevision) : { exists: false as const };
    if (!this.mirror.apply(event.key, state, event.modRevision)) return; // not news: ours, or already read
    // A data or meta key is claimed by its data key; a bundle record by its own key.
    const parsed = parseStoreKey(this.options.prefix, event.key);
    const claimed = parsed === undefined ? event.key : entryKeys(this.options.prefix, parsed.namespace, parsed.key).data;
    for (const owner of this.index.claimants(claimed)) this.queueClaimant(owner);
  }

  private applyHeldResync(): void {
    const held = this.heldResync;
    this.heldResync = undefined;
    if (held !== undefined) this.onStoreResync(held);
  }

  private onStoreResync(snapshot: Parameters<StoreWatchHandlers['onResync']>[0]): void {
    if (!this.informer.hasSynced) {
      this.heldResync = snapshot; // the claims are not known yet (start applies it)
      return;
    }
    this.mirror.reset(snapshot.keys, snapshot.revision);
    // Changes may have been missed: every entry is checked again (reads from the view, no writes).
    if (this.fence !== undefined) this.queueAll();
  }
}
