/**
 * Recording fakes of the controller's ports (src/controller/ports.ts) for reconciler scenarios, in
 * the manner of kube-rs controller-rs fixtures: every call the reconciler makes to the outside world
 * is appended to ONE ordered log, so a scenario asserts exactly what happened, and in which order.
 *
 * - FakeEtcd: a small model of etcd's MVCC keyspace (a revision counter; keys with create and mod
 *   revisions; the three compares Cairn uses, evaluated as etcd does; read-back on failure) with
 *   scripted faults. It throws the etcd adapter's own error classes, so the reconciler sees exactly
 *   what it sees in production.
 * - FakeApiServer: the ConfigEntries on the apiserver (the EntryWriter port); every change it makes
 *   reaches FakeEntryCache (the EntryCache port) through a watch that is in sync unless a scenario
 *   makes it lag.
 * - The event sink, the store view (the real StoreMirror), metrics, a silent logger, a fixed clock.
 *
 * These fakes are for reconciler scenarios only; nothing that claims to test etcd or Kubernetes
 * behaviour may use them (see the design's "Testing against real parts").
 */
import { pino } from 'pino';
import type { ConfigEntry, ConfigEntryStatus } from '../../src/api/config-entry.ts';
import { FINALIZER } from '../../src/api/names.ts';
import type { ReconcileDeps } from '../../src/controller/context.ts';
import type { EntryCache, EntryEventSink, EntryWriter, Fencing, ObservedKeySet, Store } from '../../src/controller/ports.ts';
import { DriftFight } from '../../src/controller/drift-fight.ts';
import { Reconciler } from '../../src/controller/reconciler.ts';
import { StoreMirror } from '../../src/controller/store-mirror.ts';
import { VerdictCache } from '../../src/controller/verdict-cache.ts';
import type { SchemaLookup } from '../../src/domain/validate.ts';
import type { CompiledSchema, Validated } from '../../src/schemas/engine/engine.ts';
import type { ProcessResult } from '../../src/controller/work-queue.ts';
import { presentKey } from '../../src/domain/key-state.ts';
import { FenceUnavailableError, FencingLostError } from '../../src/domain/errors.ts';
import { dataPrefix, fenceKey, metaPrefix } from '../../src/domain/keys.ts';
import type { Compare, Fence, GuardedTxn, KeyState, ObservedKeys, TxnResult } from '../../src/domain/types.ts';
import { EtcdOutcomeUnknownError, EtcdUnavailableError } from '../../src/etcd/errors.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { entry as fixtureEntry, NOW } from '../unit/fixtures.ts';

// ---- the one ordered call log ----------------------------------------------------------------------

export type CommitResultLabel = 'committed' | 'compare failed' | 'outcome unknown, applied' | 'outcome unknown, not applied' | 'unavailable';

export type Call =
  | { readonly kind: 'etcd.read'; readonly dataKey: string; readonly metaKey: string; readonly result: 'ok' | 'unavailable' }
  | { readonly kind: 'etcd.commit'; readonly txn: GuardedTxn; readonly result: CommitResultLabel; readonly revision: string }
  | { readonly kind: 'kube.setFinalizers'; readonly entry: string; readonly finalizers: readonly string[]; readonly resourceVersion: string; readonly result: 'ok' | 'conflict' }
  | { readonly kind: 'kube.patchStatus'; readonly entry: string; readonly status: ConfigEntryStatus; readonly result: 'ok' | 'unavailable' | 'conflict' }
  | { readonly kind: 'event'; readonly entry: string; readonly type: 'Normal' | 'Warning'; readonly reason: string; readonly message: string }
  | { readonly kind: 'fence.move'; readonly from: string; readonly result: 'moved' | 'refused' | 'failed'; readonly revision: string }
  | { readonly kind: 'etcd.scan'; readonly prefix: string }
  /** A call to another port's fake (schema-fakes.ts), already in words. */
  | { readonly kind: 'call'; readonly line: string }
  | { readonly kind: 'onFencingLost' };

type CallOf<K extends Call['kind']> = Extract<Call, { kind: K }>;

export class CallLog {
  readonly calls: Call[] = [];

  push(call: Call): void {
    this.calls.push(call);
  }

  clear(): void {
    this.calls.length = 0;
  }

  /** The calls of one kind, in order. */
  of<K extends Call['kind']>(kind: K): CallOf<K>[] {
    return this.calls.filter((c): c is CallOf<K> => c.kind === kind);
  }

  /** One line per call, for asserting the exact order: `etcd.commit: committed`, `event Normal Committed`. */
  summary(): string[] {
    return this.calls.map((c) => {
      switch (c.kind) {
        case 'etcd.read':
          return c.result === 'ok' ? 'etcd.read' : `etcd.read: ${c.result}`;
        case 'etcd.commit':
          return `etcd.commit: ${c.result}`;
        case 'kube.setFinalizers':
          return `kube.setFinalizers [${c.finalizers.join(',')}]${c.result === 'ok' ? '' : `: ${c.result}`}`;
        case 'kube.patchStatus':
          return c.result === 'ok' ? 'kube.patchStatus' : `kube.patchStatus: ${c.result}`;
        case 'event':
          return `event ${c.type} ${c.reason}`;
        case 'fence.move':
          return `fence.move: ${c.result}`;
        case 'etcd.scan':
          return `etcd.scan ${c.prefix}`;
        case 'call':
          return c.line;
        case 'onFencingLost':
          return 'onFencingLost';
      }
    });
  }
}

// ---- etcd --------------------------------------------------------------------------------------------

interface StoredKey {
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
}

export type CommitFault =
  /** The transaction is applied (if its compares hold), then the client sees a timeout. */
  | 'outcomeUnknownAfterApply'
  /** The client sees a timeout; the transaction never reached etcd. */
  | 'outcomeUnknownBeforeApply'
  /** etcd refuses the request before proposing it (no leader): nothing is applied. */
  | 'unavailable';

export class FakeEtcd implements Pick<Store, 'read' | 'readKeys' | 'commit' | 'scanPrefix'> {
  private readonly log: CallLog;
  private readonly kv = new Map<string, StoredKey>();
  private current = 1;
  private readonly commitFaults: CommitFault[] = [];
  private readonly readFaults: 'unavailable'[] = [];
  /** Transactions of the reconciler whose operations etcd applied, in order (outside writes excluded). */
  readonly applied: GuardedTxn[] = [];
  /** Runs just before each commit is evaluated: a concurrent writer racing the reconciler. */
  beforeCommit: (() => void) | undefined;
  /** Runs once a prefix scan has been answered: what happens while the reconciler awaits it (a deposition). */
  afterScan: (() => void) | undefined;

  constructor(log: CallLog) {
    this.log = log;
  }

  /** The store's current revision. */
  get revision(): string {
    return String(this.current);
  }

  get(key: string): KeyState {
    const kv = this.kv.get(key);
    return kv === undefined ? { exists: false } : presentKey(kv.value, String(kv.modRevision), String(kv.createRevision));
  }

  /** The value at `key`, or undefined when absent. */
  value(key: string): string | undefined {
    return this.kv.get(key)?.value;
  }

  /** A write by someone else (etcdctl, another program): not on the call log. Returns its revision. */
  put(key: string, value: string): string {
    this.applyPut(key, value, this.current + 1);
    this.current += 1;
    return this.revision;
  }

  /** A delete by someone else. Returns the revision of the deletion. */
  delete(key: string): string {
    if (!this.kv.delete(key)) return this.revision;
    this.current += 1;
    return this.revision;
  }

  /** Takes over the fence, as a successor would: a put whatever the fence was (EtcdStore.acquireFence also compares the revision it last saw); its mod_revision is T. */
  acquireFence(key: string, holder: string): Fence {
    return { key, revision: this.put(key, JSON.stringify({ holder, acquiredAt: NOW.toISOString() })) };
  }

  /** Every key under `prefixes`, at the current revision, for StoreMirror.reset. */
  snapshot(prefixes: readonly string[]): { revision: string; kvs: { key: string; value: string; modRevision: string; createRevision: string }[] } {
    const kvs = [...this.kv.entries()]
      .filter(([key]) => prefixes.some((p) => key.startsWith(p)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, kv]) => ({ key, value: kv.value, modRevision: String(kv.modRevision), createRevision: String(kv.createRevision) }));
    return { revision: this.revision, kvs };
  }

  failNextCommit(fault: CommitFault): void {
    this.commitFaults.push(fault);
  }

  failNextRead(fault: 'unavailable' = 'unavailable'): void {
    this.readFaults.push(fault);
  }

  async read(dataKey: string, metaKey: string): Promise<ObservedKeys> {
    if (this.readFaults.shift() !== undefined) {
      this.log.push({ kind: 'etcd.read', dataKey, metaKey, result: 'unavailable' });
      throw new EtcdUnavailableError(`read ${dataKey}: etcdserver: no leader`);
    }
    this.log.push({ kind: 'etcd.read', dataKey, metaKey, result: 'ok' });
    return { data: this.get(dataKey), meta: this.get(metaKey), revision: this.revision };
  }

  /** Several keys at one revision (a bundle's members), logged as one read. */
  async readKeys(keys: readonly string[]): Promise<ObservedKeySet> {
    this.log.push({ kind: 'etcd.read', dataKey: keys[0] ?? '', metaKey: `(${keys.length} keys)`, result: 'ok' });
    return { keys: Object.fromEntries(keys.map((key) => [key, this.get(key)])), revision: this.revision };
  }

  async scanPrefix(prefix: string, visit: (kv: { key: string; value: string; modRevision: string; createRevision: string }) => void): Promise<string> {
    this.log.push({ kind: 'etcd.scan', prefix });
    for (const kv of this.snapshot([prefix]).kvs) visit(kv);
    this.afterScan?.();
    return this.revision;
  }

  async commit(txn: GuardedTxn): Promise<TxnResult> {
    this.beforeCommit?.();
    const fault = this.commitFaults.shift();
    if (fault === 'unavailable' || fault === 'outcomeUnknownBeforeApply') {
      this.log.push({ kind: 'etcd.commit', txn, result: fault === 'unavailable' ? 'unavailable' : 'outcome unknown, not applied', revision: this.revision });
      if (fault === 'unavailable') throw new EtcdUnavailableError('commit: etcdserver: no leader');
      throw new EtcdOutcomeUnknownError('commit: 4 DEADLINE_EXCEEDED: Deadline exceeded');
    }
    const holds = txn.compares.every((c) => this.holds(c));
    if (holds) this.apply(txn);
    if (fault === 'outcomeUnknownAfterApply') {
      this.log.push({ kind: 'etcd.commit', txn, result: holds ? 'outcome unknown, applied' : 'compare failed', revision: this.revision });
      throw new EtcdOutcomeUnknownError('commit: 4 DEADLINE_EXCEEDED: Deadline exceeded');
    }
    this.log.push({ kind: 'etcd.commit', txn, result: holds ? 'committed' : 'compare failed', revision: this.revision });
    if (holds) return { succeeded: true, revision: this.revision };
    const readBack: Record<string, KeyState> = {};
    for (const key of txn.readBackOnFailure) readBack[key] = this.get(key);
    return { succeeded: false, revision: this.revision, readBack };
  }

  /** As etcd evaluates a compare: a missing key has mod_revision 0 and create_revision 0. */
  private holds(compare: Compare): boolean {
    const kv = this.kv.get(compare.key);
    switch (compare.kind) {
      case 'modRevision':
        return String(kv?.modRevision ?? 0) === compare.equals;
      case 'absent':
        return kv === undefined;
    }
  }

  private apply(txn: GuardedTxn): void {
    const next = this.current + 1;
    let changed = false;
    for (const op of txn.operations) {
      if (op.kind === 'put') {
        this.applyPut(op.key, op.value, next);
        changed = true;
      } else if (this.kv.delete(op.key)) {
        changed = true;
      }
    }
    if (changed) this.current = next;
    this.applied.push(txn);
  }

  private applyPut(key: string, value: string, revision: number): void {
    const previous = this.kv.get(key);
    this.kv.set(key, { value, createRevision: previous?.createRevision ?? revision, modRevision: revision });
  }
}

// ---- the apiserver and the informer's cache ----------------------------------------------------------

export const DELETED_AT = '2030-01-02T03:05:00Z';

type WatchEvent = { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: ConfigEntry };

/**
 * The informer's cache over a Map, fed by the fake apiserver's watch. By default the watch delivers
 * every change at once; `lag()` holds deliveries back (a watch behind the apiserver) until
 * `catchUp()`. `replaceIfUnchanged` keeps the port's contract (the real Informer's write-through).
 */
export class FakeEntryCache implements EntryCache {
  private readonly objects = new Map<string, ConfigEntry>();
  private readonly pending: WatchEvent[] = [];
  private lagging = false;

  get(key: string): ConfigEntry | undefined {
    const object = this.objects.get(key);
    return object === undefined ? undefined : structuredClone(object);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  replaceIfUnchanged(key: string, fromResourceVersion: string | undefined, object: ConfigEntry): void {
    const cached = this.objects.get(key);
    if (cached === undefined || cached.metadata.resourceVersion !== fromResourceVersion) return;
    this.objects.set(key, structuredClone(object));
  }

  /** What the watch delivers. */
  deliver(event: WatchEvent): void {
    if (this.lagging) {
      this.pending.push(event);
      return;
    }
    const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
    if (event.type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, structuredClone(event.object));
  }

  /** From now on the watch falls behind the apiserver. */
  lag(): void {
    this.lagging = true;
  }

  /** The watch delivers everything it held back, in order, and keeps up again. */
  catchUp(): void {
    this.lagging = false;
    for (const event of this.pending.splice(0)) this.deliver(event);
  }
}

/** The ConfigEntries on the apiserver (the EntryWriter port), watched by a FakeEntryCache. */
export class FakeApiServer implements EntryWriter {
  private readonly log: CallLog;
  private readonly cache: FakeEntryCache;
  private readonly objects = new Map<string, ConfigEntry>();
  private resourceVersion = 100;
  private conflicts = 0;
  private statusFailures = 0;

  constructor(log: CallLog, cache: FakeEntryCache) {
    this.log = log;
    this.cache = cache;
  }

  /** Creates the object as `kubectl apply` would (resourceVersion set); returns its key `namespace/name`. */
  create(object: ConfigEntry): string {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    const created = structuredClone(object);
    created.metadata = { ...created.metadata, resourceVersion: this.nextVersion() };
    this.objects.set(key, created);
    this.cache.deliver({ type: 'ADDED', object: created });
    return key;
  }

  /** The object as the apiserver holds it now (a copy), or undefined. */
  get(key: string): ConfigEntry | undefined {
    const object = this.objects.get(key);
    return object === undefined ? undefined : structuredClone(object);
  }

  /** A write the cache has not seen yet: only the resourceVersion moves, nothing is delivered. */
  touch(key: string): void {
    const object = this.require(key);
    object.metadata = { ...object.metadata, resourceVersion: this.nextVersion() };
  }

  /** A spec change by a person: generation moves, status stays. */
  updateSpec(key: string, spec: Partial<ConfigEntry['spec']>): void {
    const object = this.require(key);
    object.spec = { ...object.spec, ...spec };
    object.metadata = { ...object.metadata, generation: (object.metadata.generation ?? 0) + 1, resourceVersion: this.nextVersion() };
    this.cache.deliver({ type: 'MODIFIED', object });
  }

  /** `kubectl delete`: the apiserver sets deletionTimestamp while finalizers remain. */
  markDeleted(key: string): void {
    const object = this.require(key);
    if ((object.metadata.finalizers ?? []).length === 0) {
      this.objects.delete(key);
      this.cache.deliver({ type: 'DELETED', object });
      return;
    }
    object.metadata = { ...object.metadata, deletionTimestamp: DELETED_AT, resourceVersion: this.nextVersion() };
    this.cache.deliver({ type: 'MODIFIED', object });
  }

  /** The next setFinalizers call gets 409 Conflict (someone else updated the object first). */
  conflictOnNextSetFinalizers(): void {
    this.conflicts += 1;
  }

  /** The next patchStatus call gets 503 (the apiserver is overloaded); nothing is written. */
  failNextPatchStatus(): void {
    this.statusFailures += 1;
  }

  async patchStatus(namespace: string, name: string, status: ConfigEntryStatus, resourceVersion: string): Promise<ConfigEntry> {
    const key = `${namespace}/${name}`;
    if (this.require(key).metadata.resourceVersion !== resourceVersion) {
      this.log.push({ kind: 'kube.patchStatus', entry: key, status: structuredClone(status), result: 'conflict' });
      throw new KubeApiError(409, `patch status of configentry ${key}: the object has been modified; please apply your changes to the latest version and try again`, 'Conflict');
    }
    if (this.statusFailures > 0) {
      this.statusFailures -= 1;
      this.log.push({ kind: 'kube.patchStatus', entry: key, status: structuredClone(status), result: 'unavailable' });
      throw new KubeApiError(503, `patch status of configentry ${key}: the server is currently unable to handle the request`, 'ServiceUnavailable');
    }
    this.log.push({ kind: 'kube.patchStatus', entry: key, status: structuredClone(status), result: 'ok' });
    const object = this.require(key);
    object.status = structuredClone(status);
    object.metadata = { ...object.metadata, resourceVersion: this.nextVersion() };
    this.cache.deliver({ type: 'MODIFIED', object });
    return structuredClone(object);
  }

  async setFinalizers(namespace: string, name: string, finalizers: readonly string[], resourceVersion: string): Promise<ConfigEntry> {
    const key = `${namespace}/${name}`;
    const object = this.require(key);
    if (this.conflicts > 0 || object.metadata.resourceVersion !== resourceVersion) {
      this.conflicts = Math.max(0, this.conflicts - 1);
      this.log.push({ kind: 'kube.setFinalizers', entry: key, finalizers: [...finalizers], resourceVersion, result: 'conflict' });
      throw new KubeApiError(409, `update finalizers of configentry ${key}: the object has been modified; please apply your changes to the latest version and try again`, 'Conflict');
    }
    this.log.push({ kind: 'kube.setFinalizers', entry: key, finalizers: [...finalizers], resourceVersion, result: 'ok' });
    object.metadata = { ...object.metadata, finalizers: [...finalizers], resourceVersion: this.nextVersion() };
    const returned = structuredClone(object);
    // The apiserver finishes a deletion once the last finalizer is gone.
    if (object.metadata.deletionTimestamp !== undefined && finalizers.length === 0) {
      this.objects.delete(key);
      this.cache.deliver({ type: 'DELETED', object });
    } else {
      this.cache.deliver({ type: 'MODIFIED', object });
    }
    return returned;
  }

  private require(key: string): ConfigEntry {
    const object = this.objects.get(key);
    if (object === undefined) throw new KubeApiError(404, `configentries.cairn.dev "${key}" not found`, 'NotFound');
    return object;
  }

  private nextVersion(): string {
    this.resourceVersion += 1;
    return String(this.resourceVersion);
  }
}

// ---- events --------------------------------------------------------------------------------------------

export class RecordingEventSink implements EntryEventSink {
  private readonly log: CallLog;

  constructor(log: CallLog) {
    this.log = log;
  }

  record(entry: ConfigEntry, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): void {
    this.log.push({ kind: 'event', entry: `${entry.metadata.namespace}/${entry.metadata.name}`, ...event });
  }
}

// ---- the fence, as one epoch of leadership holds it ------------------------------------------------------

/**
 * The Fencing port as leadership implements it for one epoch, over FakeEtcd: a move is a put of the
 * fence conditional on the fence held (logged `fence.move`), coalesced like the real one (a fence
 * already moved past is returned at once); a refusal under a fence this fake moved past is retried
 * under the newer one, any other is fencing lost (logged `onFencingLost`, and nothing is held after).
 * leadership.test.ts tests the real state machine; this fake serves the reconciler's scenarios.
 */
export class FakeFencing implements Fencing {
  private readonly log: CallLog;
  private readonly etcd: FakeEtcd;
  private fence: Fence;
  /** The revision the held lineage began at (the takeover's fence). */
  private readonly since: string;
  /** Whether this replica holds the fence; fencing lost clears it. */
  leading = true;
  /** The next move fails as a timed-out put would (nothing applied); the epoch drops its fence. */
  failNextMove = false;

  constructor(log: CallLog, etcd: FakeEtcd, fence: Fence) {
    this.log = log;
    this.etcd = etcd;
    this.fence = fence;
    this.since = fence.revision;
  }

  current(): Fence | undefined {
    return this.leading ? this.fence : undefined;
  }

  stillHolds(fence: Fence): boolean {
    return this.leading && Number(fence.revision) >= Number(this.since) && Number(fence.revision) <= Number(this.fence.revision);
  }

  async supersede(stale: Fence): Promise<Fence> {
    if (!this.stillHolds(stale)) throw new FencingLostError(`not holding ${stale.revision}`);
    if (Number(this.fence.revision) > Number(stale.revision)) return this.fence;
    const from = this.fence.revision;
    if (this.failNextMove) {
      this.failNextMove = false;
      this.leading = false;
      this.log.push({ kind: 'fence.move', from, result: 'failed', revision: this.etcd.revision });
      throw new FenceUnavailableError('could not move the fence');
    }
    const now = this.etcd.get(this.fence.key);
    if (!now.exists || now.modRevision !== from) {
      this.leading = false;
      this.log.push({ kind: 'fence.move', from, result: 'refused', revision: this.etcd.revision });
      throw new FencingLostError('the fence moved to another holder');
    }
    this.fence = this.etcd.acquireFence(this.fence.key, 'cairn-0');
    this.log.push({ kind: 'fence.move', from, result: 'moved', revision: this.fence.revision });
    return this.fence;
  }

  async afterRefusal(fence: Fence, fenceNow: KeyState): Promise<Fence> {
    const ours = fenceNow.exists && Number(fenceNow.modRevision) <= Number(this.fence.revision);
    if (ours && this.stillHolds(fence) && Number(this.fence.revision) > Number(fence.revision)) return this.fence;
    this.log.push({ kind: 'onFencingLost' });
    this.leading = false;
    throw new FencingLostError(`${fence.key} is at ${fenceNow.exists ? fenceNow.modRevision : 'nothing'}, not ${fence.revision}`);
  }
}

// ---- one scenario: every fake wired into ReconcileDeps ---------------------------------------------------

export const PREFIX = '/cairn';

/** A store view over PREFIX in which every key is claimed (the reconciler scenarios own every key they touch). */
export function newMirror(): StoreMirror {
  return new StoreMirror({ prefix: PREFIX, isClaimed: () => true });
}

export interface ScenarioOptions {
  /** Whether the store view holds a full read of the prefix (the drift watch has synced). Default true. */
  readonly synced?: boolean;
  readonly maxBytes?: number;
  /** The schema engine's compiled schemas (the registry's lookup); absent: no engine, zod judges. */
  readonly engineSchemas?: (id: string) => SchemaLookup;
}

export class Scenario {
  readonly calls = new CallLog();
  readonly etcd = new FakeEtcd(this.calls);
  readonly cache = new FakeEntryCache();
  readonly api = new FakeApiServer(this.calls, this.cache);
  readonly events = new RecordingEventSink(this.calls);
  readonly metrics = new Metrics(false);
  /** The fence this replica took over with (moves after unknown outcomes are the fencing's). */
  readonly fence: Fence;
  fencing!: FakeFencing;
  /** Milliseconds since NOW on the scenario's clock; `advance` moves it. */
  private elapsedMs = 0;
  private readonly maxBytes: number;
  private readonly engineSchemas: ((id: string) => SchemaLookup) | undefined;
  mirror!: StoreMirror;
  deps!: ReconcileDeps;
  reconciler!: Reconciler;

  constructor(options: ScenarioOptions = {}) {
    this.maxBytes = options.maxBytes ?? 262144;
    this.engineSchemas = options.engineSchemas;
    this.fence = this.etcd.acquireFence(fenceKey(PREFIX), 'cairn-0');
    this.restart(options);
  }

  /**
   * A new operator process over the same etcd and apiserver: a fresh store view (synced unless
   * `synced: false`, i.e. the drift watch has not delivered its full read yet) and a new reconciler.
   * The log is kept.
   */
  restart(options: Pick<ScenarioOptions, 'synced'> = {}): void {
    this.mirror = newMirror();
    if (options.synced !== false) this.syncMirror();
    this.fencing = new FakeFencing(this.calls, this.etcd, this.fencing?.current() ?? this.fence);
    this.deps = {
      cache: this.cache,
      writer: this.api,
      events: this.events,
      store: this.etcd,
      view: this.mirror,
      isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
      fencing: this.fencing,
      prefix: PREFIX,
      maxBytes: this.maxBytes,
      engineSchemas: this.engineSchemas,
      now: () => new Date(NOW.getTime() + this.elapsedMs),
      // As the manager wires it: one verdict per entry the cache holds (a restart starts without any).
      verdicts: new VerdictCache((key, uid) => this.cache.get(key)?.metadata.uid === uid),
      log: pino({ level: 'silent' }),
      metrics: this.metrics,
    };
    this.reconciler = new Reconciler(this.deps, { driftFight: new DriftFight({ now: () => this.elapsedMs }) });
  }

  /** Whether this replica holds the fence (fencing lost clears it; a restart holds it again). */
  get leading(): boolean {
    return this.fencing.leading;
  }

  set leading(leading: boolean) {
    this.fencing.leading = leading;
  }

  /** Moves the scenario's clock (the reconciler's and the drift fight's) forward. */
  advance(ms: number): void {
    this.elapsedMs += ms;
  }

  reconcile(key: string): Promise<ProcessResult> {
    return this.reconciler.reconcile(key);
  }

  /** The drift watch's full read of P/data/ and P/meta/. */
  syncMirror(): void {
    const { kvs, revision } = this.etcd.snapshot([dataPrefix(PREFIX), metaPrefix(PREFIX)]);
    this.mirror.reset(kvs.map((kv) => this.mirror.summarize(kv)), revision);
  }

  /** A write made outside Cairn; `watched` says whether the drift watch has delivered it to the view yet. */
  putOutside(key: string, value: string, { watched }: { watched: boolean }): string {
    const revision = this.etcd.put(key, value);
    if (watched) this.mirror.apply(key, this.etcd.get(key), revision);
    return revision;
  }

  deleteOutside(key: string, { watched }: { watched: boolean }): string {
    const revision = this.etcd.delete(key);
    if (watched) this.mirror.apply(key, { exists: false }, revision);
    return revision;
  }

  /** Creates `object` on the apiserver and returns its key. */
  create(object: ConfigEntry): string {
    return this.api.create(object);
  }

  /** Creates the fixture entry (with Cairn's finalizer, as the admission policy adds it) and commits it; clears the log. */
  async committed(object: ConfigEntry = liveEntry()): Promise<string> {
    const key = this.create(object);
    const result = await this.reconcile(key);
    if (result.kind !== 'done' || this.etcd.applied.length === 0) throw new Error(`setup: the first commit did not happen: ${this.calls.summary().join(', ')}`);
    this.calls.clear();
    return key;
  }

  /** The object's status on the apiserver. */
  status(key: string): ConfigEntryStatus | undefined {
    return this.api.get(key)?.status;
  }
}

/** The shared fixture entry, with Cairn's finalizer (added at admission) unless overridden. */
export function liveEntry(overrides: Parameters<typeof fixtureEntry>[0] = {}): ConfigEntry {
  return fixtureEntry({ ...overrides, metadata: { finalizers: [FINALIZER], ...overrides.metadata } });
}

// ---- the schema engine, pruning as the real one does ---------------------------------------------------

/**
 * A compiled schema that declares the top-level fields `declared` and nothing else: every other field
 * of spec.data is pruned from the value and named in a warning, worded as the engine words it
 * (`unknown field "spec.data.prot"`). `judged` counts the values it was asked to judge.
 */
export function pruningSchema(declared: readonly string[]): { schema: CompiledSchema; judged: unknown[] } {
  const judged: unknown[] = [];
  const validate = (data: unknown): Validated => {
    judged.push(data);
    const fields = Object.entries(data as Record<string, unknown>);
    const kept = Object.fromEntries(fields.filter(([name]) => declared.includes(name)));
    const warnings = fields.filter(([name]) => !declared.includes(name)).map(([name]) => `unknown field "spec.data.${name}"`);
    return { ok: true, value: kept, warnings };
  };
  return { judged, schema: { validate, release: () => {} } };
}
