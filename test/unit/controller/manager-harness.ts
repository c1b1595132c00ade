/**
 * A Manager wired to fakes, for leadership scenarios: the reconciler fakes of test/controller/fakes.ts
 * (etcd's MVCC model, the apiserver and the informer's cache) plus an elector and an etcd watch the
 * scenario drives by hand, and a fence acquisition the scenario can hold, fail or release.
 *
 * Every step a scenario cares about is appended to `steps`, in order: `fence.acquire` when the
 * manager asks for the fence, `fence.acquired r` when etcd applied it, `elector.stop` when the
 * manager releases the Lease, `etcd.commit started`/`done` around each commit of the reconciler.
 *
 * Time is vitest's fake timers (the Manager uses the global timers), advanced by `advance`.
 */
import { pino } from 'pino';
import { vi } from 'vitest';
import type { ConfigEntry } from '../../../src/api/config-entry.ts';
import { Manager, type ManagerOptions, type StoreWatchHandlers } from '../../../src/controller/manager.ts';
import type { StoredKeyValue } from '../../../src/controller/ports.ts';
import { fenceKey } from '../../../src/domain/keys.ts';
import type { FenceAcquisition, GuardedTxn } from '../../../src/domain/types.ts';
import { EtcdOutcomeUnknownError, EtcdUnavailableError } from '../../../src/etcd/errors.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { CallLog, FakeApiServer, FakeEntryCache, FakeEtcd } from '../../controller/fakes.ts';

export const PREFIX = '/cairn';
export const FENCE_KEY = fenceKey(PREFIX);
export const IDENTITY = 'replica-a';

interface Pending {
  readonly release: () => void;
  readonly fail: (error: Error) => void;
}

export class ManagerHarness {
  readonly log = new CallLog();
  readonly etcd = new FakeEtcd(this.log);
  readonly cache = new FakeEntryCache();
  readonly api = new FakeApiServer(this.log, this.cache);
  readonly metrics = new Metrics(false);
  readonly steps: string[] = [];
  /** The schema names the manager told the schema controller to count again, in order. */
  readonly schemaUses: string[] = [];
  readonly manager: Manager;
  /** Fence acquisitions waiting for the scenario (when `holdFence` is set), oldest first. */
  readonly pendingFences: Pending[] = [];
  /** When true, each fence acquisition waits for release() or fail() of its Pending. */
  holdFence = false;
  /** When true, etcd's watch reports each fence put right after etcd applied it. */
  echoFence = true;
  /** Commits wait for `releaseCommits()` while set (a reconcile stays in flight). */
  holdCommits = false;
  private readonly heldCommits: (() => void)[] = [];
  private watch: StoreWatchHandlers | undefined;
  private onEntryChange: ((key: string, before: ConfigEntry | undefined, after: ConfigEntry | undefined) => void) | undefined;
  private elector: { started: () => void; stopped: () => void } | undefined;

  constructor(options: Partial<ManagerOptions> & { leaderElect?: boolean } = {}) {
    const { leaderElect = true, ...overrides } = options;
    const etcd = this.etcd;
    const store = {
      read: etcd.read.bind(etcd),
      commit: async (txn: GuardedTxn) => {
        this.steps.push('etcd.commit started');
        if (this.holdCommits) await new Promise<void>((resolve) => this.heldCommits.push(resolve));
        const result = await etcd.commit(txn);
        this.steps.push('etcd.commit done');
        return result;
      },
      readKeys: (keys: readonly string[]) => etcd.readKeys(keys),
      acquireFence: (key: string, holder: string, seen: string) => this.acquireFence(key, holder, seen),
      revision: async () => etcd.revision,
      scanPrefix: async (prefix: string, visit: (kv: StoredKeyValue) => void) => {
        const { kvs, revision } = etcd.snapshot([prefix]);
        kvs.forEach(visit);
        return revision;
      },
    };
    const cache = this.cache;
    this.manager = new Manager(
      { prefix: PREFIX, maxBytes: 262144, concurrency: 2, resyncMs: 0, identity: IDENTITY, ...overrides },
      {
        createInformer: (onChange) => {
          this.onEntryChange = onChange;
          return {
          get: (key) => cache.get(key),
          keys: () => cache.keys(),
          replaceIfUnchanged: (key, from, object) => cache.replaceIfUnchanged(key, from, object),
          hasSynced: true,
          start: () => undefined,
          stop: () => undefined,
          };
        },
        createStoreWatch: (handlers) => {
          this.watch = handlers;
          // A full read of the prefix: the real watcher starts with one, and its resync() is one.
          const read = (): void => {
            const { kvs, revision } = etcd.snapshot([`${PREFIX}/`]);
            handlers.onResync({ revision, keys: kvs.map((kv) => handlers.summarize(kv)) });
          };
          return { start: read, stop: () => undefined, resync: async () => read() };
        },
        ...(leaderElect
          ? {
              createElector: (started: () => void, stopped: () => void) => {
                this.elector = { started, stopped };
                return { start: () => undefined, stop: () => void this.steps.push('elector.stop') };
              },
            }
          : {}),
        store,
        writer: this.api,
        events: { record: () => undefined },
        onSchemaUseChanged: (name) => void this.schemaUses.push(name),
        isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
        log: pino({ level: 'silent' }),
        metrics: this.metrics,
      },
    );
  }

  /** An entry on the apiserver (and in the informer's cache). Returns its key. */
  create(entry: ConfigEntry): string {
    return this.api.create(entry);
  }

  /** A person changes the entry's spec; the informer reports it to the manager. */
  updateSpec(key: string, spec: Partial<ConfigEntry['spec']>): void {
    const before = this.cache.get(key);
    this.api.updateSpec(key, spec);
    this.require(this.onEntryChange)(key, before, this.cache.get(key));
  }

  /** The elector says this replica now holds the Lease. */
  leaseAcquired(): void {
    this.require(this.elector).started();
  }

  /** The elector says this replica lost the Lease. */
  leaseLost(): void {
    this.require(this.elector).stopped();
  }

  /** Another process takes the fence in etcd (a new leader); the watch reports it unless `silently`. */
  fenceTakenByAnother(silently = false): string {
    const fence = this.etcd.acquireFence(FENCE_KEY, 'replica-b');
    this.steps.push(`fence.taken ${fence.revision}`);
    if (!silently) this.deliverFence(fence.revision);
    return fence.revision;
  }

  /** The etcd watch reports the fence key's put at `revision`. */
  deliverFence(revision: string): void {
    const state = this.etcd.get(FENCE_KEY);
    const value = (state.exists ? state.value : undefined) ?? '{}';
    const createRevision = state.exists ? state.createRevision : revision;
    this.require(this.watch).onEvent({ type: 'put', key: FENCE_KEY, value, modRevision: revision, createRevision });
  }

  releaseCommits(): void {
    this.holdCommits = false;
    for (const resolve of this.heldCommits.splice(0)) resolve();
  }

  /** Fence acquisitions that reached etcd or wait for the scenario. */
  get fenceRequests(): number {
    return this.steps.filter((s) => s === 'fence.acquire').length;
  }

  /** The reconciler's commits so far (each means an entry was worked on while fenced). */
  get commits(): number {
    return this.log.of('etcd.commit').length;
  }

  async leaderGauge(): Promise<number | undefined> {
    return (await this.metrics.leader.get()).values[0]?.value;
  }

  /** Advances fake time by `ms`, running every timer and promise callback due meanwhile. */
  async advance(ms: number): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
  }

  /** As EtcdStore.acquireFence: a put only while the fence key is still at `seen` ('0': absent). */
  private async acquireFence(key: string, holder: string, seen: string): Promise<FenceAcquisition> {
    this.steps.push('fence.acquire');
    if (this.holdFence) {
      await new Promise<void>((resolve, reject) => this.pendingFences.push({ release: resolve, fail: reject }));
    }
    const current = this.etcd.snapshot([key]).kvs.find((kv) => kv.key === key)?.modRevision ?? '0';
    if (current !== seen) {
      this.steps.push(`fence.moved ${current}`);
      return { acquired: false, current };
    }
    const fence = this.etcd.acquireFence(key, holder);
    this.steps.push(`fence.acquired ${fence.revision}`);
    if (this.echoFence) queueMicrotask(() => this.deliverFence(fence.revision));
    return { acquired: true, fence };
  }

  private require<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('the manager has not created this part yet');
    return value;
  }
}

export const unavailable = (): Error => new EtcdUnavailableError('put fence: etcdserver: no leader');
