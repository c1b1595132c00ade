/**
 * The ConfigBundle reconciler against recording fakes (fakes.ts: etcd, the fencing, the call log),
 * asserting the ordered calls: one transaction per generation, nothing for an invalid member, a
 * timed-out commit never applied twice, and a restart that writes nothing.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ConfigBundle, ConfigBundleStatus } from '../../src/api/config-bundle.ts';
import { FINALIZER } from '../../src/api/names.ts';
import type { BundleReconcileDeps } from '../../src/controller/bundle-ports.ts';
import { BundleReconciler } from '../../src/controller/bundle-reconciler.ts';
import { DriftFight } from '../../src/controller/drift-fight.ts';
import { findCondition } from '../../src/domain/conditions.ts';
import { dataPrefix, fenceKey, metaPrefix } from '../../src/domain/keys.ts';
import { EtcdOutcomeUnknownError } from '../../src/etcd/errors.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { bundle as fixtureBundle, member } from '../unit/bundle-fixtures.ts';
import { NOW } from '../unit/fixtures.ts';
import { CallLog, FakeEtcd, FakeFencing, PREFIX, newMirror } from './fakes.ts';

const KEY = 'shop/checkout';

/** The apiserver's ConfigBundles, recording status and finalizer writes in the call log. */
class FakeBundles {
  private readonly objects = new Map<string, ConfigBundle>();
  private readonly log: CallLog;
  private version = 1;

  constructor(log: CallLog) {
    this.log = log;
  }

  put(object: ConfigBundle): void {
    this.objects.set(`${object.metadata.namespace}/${object.metadata.name}`, { ...object, metadata: { ...object.metadata, resourceVersion: String(this.version++) } });
  }

  get(key: string): ConfigBundle | undefined {
    return this.objects.get(key);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  replaceIfUnchanged(): void {}

  async patchStatus(namespace: string, name: string, status: ConfigBundleStatus): Promise<ConfigBundle> {
    const current = this.objects.get(`${namespace}/${name}`) as ConfigBundle;
    this.log.push({ kind: 'call', line: `kube.patchStatus ${findCondition(status, 'Ready')?.reason}` });
    this.put({ ...current, status });
    return this.objects.get(`${namespace}/${name}`) as ConfigBundle;
  }

  async setFinalizers(namespace: string, name: string, finalizers: readonly string[]): Promise<ConfigBundle> {
    const current = this.objects.get(`${namespace}/${name}`) as ConfigBundle;
    this.log.push({ kind: 'call', line: `kube.setFinalizers [${finalizers.join(',')}]` });
    this.put({ ...current, metadata: { ...current.metadata, finalizers: [...finalizers] } });
    return this.objects.get(`${namespace}/${name}`) as ConfigBundle;
  }
}

class BundleScenario {
  readonly calls = new CallLog();
  readonly etcd = new FakeEtcd(this.calls);
  readonly api = new FakeBundles(this.calls);
  readonly fence = this.etcd.acquireFence(fenceKey(PREFIX), 'cairn-0');
  fencing = new FakeFencing(this.calls, this.etcd, this.fence);
  reconciler = this.newReconciler();

  /** A new process over the same etcd and apiserver: a store view from a full read, the fence it holds. */
  restart(): void {
    this.fencing = new FakeFencing(this.calls, this.etcd, this.fencing.current() ?? this.fence);
    this.reconciler = this.newReconciler();
  }

  private newReconciler(): BundleReconciler {
    const mirror = newMirror();
    const { kvs, revision } = this.etcd.snapshot([dataPrefix(PREFIX), metaPrefix(PREFIX)]);
    mirror.reset(kvs.map((kv) => mirror.summarize(kv)), revision);
    const deps: BundleReconcileDeps = {
      cache: this.api,
      writer: this.api,
      events: { record: () => undefined },
      store: this.etcd,
      view: mirror,
      isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
      fencing: this.fencing,
      prefix: PREFIX,
      maxBytes: 262144,
      limits: { maxTxnOps: 128, maxRequestBytes: 1_572_864 },
      now: () => NOW,
      log: pino({ level: 'silent' }),
      metrics: new Metrics(false),
    };
    return new BundleReconciler(deps, new DriftFight({ now: () => 0 }));
  }
}

const live = (overrides: Parameters<typeof fixtureBundle>[0] = {}): ConfigBundle => fixtureBundle({ ...overrides, metadata: { finalizers: [FINALIZER], ...overrides.metadata } });

describe('BundleReconciler', () => {
  it('commits a new bundle in one transaction, then writes status once', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    expect(await s.reconciler.reconcile(KEY)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus Committed']);
    expect(s.etcd.applied).toHaveLength(1);
    expect(s.api.get(KEY)?.status).toMatchObject({ revision: s.etcd.revision, memberCount: 2, observedGeneration: 4 });
  });

  it('adds the finalizer itself before the first write (no admission policy adds it for bundles)', async () => {
    const s = new BundleScenario();
    s.api.put(fixtureBundle());
    await s.reconciler.reconcile(KEY);
    expect(s.calls.summary()).toEqual([`kube.setFinalizers [${FINALIZER}]`, 'etcd.commit: committed', 'kube.patchStatus Committed']);
  });

  it('writes nothing to etcd for a bundle with one invalid member, and reports it Stalled', async () => {
    const s = new BundleScenario();
    s.api.put(live({ members: [member('checkout/db'), { key: 'checkout/bad', schema: 'database@v1', data: { host: 'h' } }] }));
    await s.reconciler.reconcile(KEY);
    expect(s.calls.summary()).toEqual(['kube.patchStatus InvalidData']);
    expect(findCondition(s.api.get(KEY)?.status, 'Stalled')?.message).toMatch(/^member checkout\/bad: spec\.members\[1\]\.data\.database: required/);
  });

  it('after a timed-out commit that applied: moves the fence, reads every key, and sends no second transaction', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    s.etcd.failNextCommit('outcomeUnknownAfterApply');
    await s.reconciler.reconcile(KEY);
    expect(s.calls.summary()).toEqual(['etcd.commit: outcome unknown, applied', 'fence.move: moved', 'etcd.read', 'kube.patchStatus Committed']);
    expect(s.etcd.applied).toHaveLength(1);
  });

  it('after a timed-out commit that did not apply: moves the fence, reads, commits again under the new fence', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    s.etcd.failNextCommit('outcomeUnknownBeforeApply');
    await s.reconciler.reconcile(KEY);
    expect(s.calls.summary()).toEqual(['etcd.commit: outcome unknown, not applied', 'fence.move: moved', 'etcd.read', 'etcd.commit: committed', 'kube.patchStatus Committed']);
    expect(s.etcd.applied[0]?.compares[0]).toEqual({ kind: 'modRevision', key: fenceKey(PREFIX), equals: s.fencing.current()?.revision });
    expect(s.fencing.current()?.revision).not.toBe(s.fence.revision);
  });

  it('a restart over a committed bundle reads nothing and writes nothing', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    await s.reconciler.reconcile(KEY);
    s.calls.clear();
    s.restart();
    await s.reconciler.reconcile(KEY);
    expect(s.calls.summary()).toEqual([]);
  });

  it('deletes every member in one transaction, then removes the finalizer', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    await s.reconciler.reconcile(KEY);
    const committed = s.api.get(KEY) as ConfigBundle;
    s.api.put({ ...committed, metadata: { ...committed.metadata, deletionTimestamp: '2030-01-02T03:05:00Z' } });
    s.calls.clear();
    await s.reconciler.reconcile(KEY);
    expect(s.calls.summary()).toEqual(['etcd.read', 'etcd.commit: committed', 'kube.setFinalizers []']);
    expect(s.etcd.snapshot([dataPrefix(PREFIX), metaPrefix(PREFIX)]).kvs).toEqual([]);
  });
});
