/**
 * The ConfigBundle reconciler against recording fakes (fakes.ts: etcd, the fencing, the call log),
 * asserting the ordered calls: one transaction per generation, nothing for an invalid member, a
 * timed-out commit never applied twice, a restart that writes nothing, the members a generation
 * drops found in the bundle record whatever status says, and fencing as the entry reconciler's
 * scenarios have it (a move of our own is planned again, another holder's fence is fencing lost, a
 * failed move is a rate-limited retry).
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
import { bundleRecordKey, bundlesPrefix, parseBundleRecord } from '../../src/domain/bundle-record.ts';
import { EtcdOutcomeUnknownError } from '../../src/etcd/errors.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { bundle as fixtureBundle, member } from '../unit/bundle-fixtures.ts';
import { NOW } from '../unit/fixtures.ts';
import { CallLog, FakeEtcd, FakeFencing, PREFIX, newMirror, pruningSchema } from './fakes.ts';
import type { SchemaLookup } from '../../src/domain/validate.ts';

const KEY = 'shop/checkout';

/** The apiserver's ConfigBundles, recording status and finalizer writes in the call log. */
class FakeBundles {
  private readonly objects = new Map<string, ConfigBundle>();
  private readonly log: CallLog;
  private version = 1;
  private statusFailures = 0;

  constructor(log: CallLog) {
    this.log = log;
  }

  /** The next status patch gets 503 (the apiserver is overloaded): nothing is written. */
  failNextPatchStatus(): void {
    this.statusFailures += 1;
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
    if (this.statusFailures > 0) {
      this.statusFailures -= 1;
      this.log.push({ kind: 'call', line: `kube.patchStatus ${findCondition(status, 'Ready')?.reason}: unavailable` });
      throw new KubeApiError(503, `patch status of configbundle ${namespace}/${name}: the server is currently unable to handle the request`, 'ServiceUnavailable');
    }
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
  /** Events recorded, as `type reason` (kept apart from the call log, whose sequences the scenarios assert). */
  readonly events: string[] = [];
  metrics = new Metrics(false);
  /** The schema engine's compiled schemas (absent: no engine, zod judges); set before `restart`. */
  engineSchemas: ((id: string) => SchemaLookup) | undefined;
  reconciler = this.newReconciler();

  /** A new process over the same etcd and apiserver: a store view from a full read, the fence it holds. */
  restart(): void {
    this.fencing = new FakeFencing(this.calls, this.etcd, this.fencing.current() ?? this.fence);
    this.reconciler = this.newReconciler();
  }

  private newReconciler(): BundleReconciler {
    const mirror = newMirror();
    // The drift watch's full read covers data, meta and the bundle records.
    const { kvs, revision } = this.etcd.snapshot([dataPrefix(PREFIX), metaPrefix(PREFIX), bundlesPrefix(PREFIX)]);
    mirror.reset(kvs.map((kv) => mirror.summarize(kv)), revision);
    const deps: BundleReconcileDeps = {
      cache: this.api,
      writer: this.api,
      events: { record: (_, event) => this.events.push(`${event.type} ${event.reason}`) },
      store: this.etcd,
      view: mirror,
      isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
      fencing: this.fencing,
      prefix: PREFIX,
      maxBytes: 262144,
      engineSchemas: this.engineSchemas,
      limits: { maxTxnOps: 128, maxRequestBytes: 1_572_864 },
      now: () => NOW,
      log: pino({ level: 'silent' }),
      metrics: this.metrics,
    };
    return new BundleReconciler(deps, new DriftFight({ now: () => 0 }));
  }
}

const live = (overrides: Parameters<typeof fixtureBundle>[0] = {}): ConfigBundle => fixtureBundle({ ...overrides, metadata: { finalizers: [FINALIZER], ...overrides.metadata } });
const RECORD = bundleRecordKey(PREFIX, 'shop', 'checkout');
const dataKeyOf = (key: string): string => `${dataPrefix(PREFIX)}shop/${key}`;
const metaKeyOf = (key: string): string => `${metaPrefix(PREFIX)}shop/${key}`;

async function driftCorrected(s: BundleScenario): Promise<number> {
  return (await s.metrics.drift.get()).values.find((v) => v.labels.action === 'corrected')?.value ?? 0;
}

/** A new generation of the bundle as the apiserver holds it: `members` in the spec, generation + 1, status as it was. */
function nextGeneration(s: BundleScenario, members: ReturnType<typeof member>[]): void {
  const current = s.api.get(KEY) as ConfigBundle;
  s.api.put({ ...current, spec: { ...current.spec, members }, metadata: { ...current.metadata, generation: (current.metadata.generation ?? 0) + 1 } });
}


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

  it('deletes a member the next generation drops although the status patch of the generation that added it was lost', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    await s.reconciler.reconcile(KEY);
    const [db, limits] = [member('checkout/db'), member('checkout/limits')];
    const extra = member('checkout/extra');
    nextGeneration(s, [db, limits, extra]);
    s.api.failNextPatchStatus();
    expect(await s.reconciler.reconcile(KEY)).toEqual({ kind: 'retry' });
    expect(s.etcd.value(dataKeyOf('checkout/extra'))).toBeDefined();
    expect(s.api.get(KEY)?.status?.members?.map((m) => m.key)).not.toContain(dataKeyOf('checkout/extra'));

    nextGeneration(s, [db, limits]); // superseded before the retry could write status
    s.calls.clear();
    await s.reconciler.reconcile(KEY);

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus Committed']);
    expect(s.etcd.get(dataKeyOf('checkout/extra'))).toEqual({ exists: false });
    expect(s.etcd.get(metaKeyOf('checkout/extra'))).toEqual({ exists: false });
    expect(parseBundleRecord(s.etcd.value(RECORD) ?? '')?.members).toEqual(['checkout/db', 'checkout/limits']);
  });

  it('deletes with the bundle a member only the record names (status lost), in the one transaction', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    await s.reconciler.reconcile(KEY);
    nextGeneration(s, [member('checkout/db'), member('checkout/limits'), member('checkout/extra')]);
    s.api.failNextPatchStatus();
    await s.reconciler.reconcile(KEY);
    nextGeneration(s, [member('checkout/db'), member('checkout/limits')]); // then deleted before that generation was reconciled
    const current = s.api.get(KEY) as ConfigBundle;
    s.api.put({ ...current, metadata: { ...current.metadata, deletionTimestamp: '2030-01-02T03:05:00Z' } });
    s.calls.clear();

    await s.reconciler.reconcile(KEY);

    expect(s.calls.summary()).toEqual(['etcd.read', 'etcd.read', 'etcd.commit: committed', 'kube.setFinalizers []']);
    expect(s.etcd.snapshot([dataPrefix(PREFIX), metaPrefix(PREFIX), bundlesPrefix(PREFIX)]).kvs).toEqual([]);
  });

  it('a bundle committed before records: one transaction writes its record (every meta, no data), then nothing more', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    await s.reconciler.reconcile(KEY);
    const dataRevisions = ['checkout/db', 'checkout/limits'].map((k) => (s.etcd.get(dataKeyOf(k)) as { modRevision: string }).modRevision);
    s.etcd.delete(RECORD); // as an older operator left it
    s.restart();
    s.calls.clear();

    await s.reconciler.reconcile(KEY);
    await s.reconciler.reconcile(KEY);

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus Committed']);
    expect(parseBundleRecord(s.etcd.value(RECORD) ?? '')).toMatchObject({ generation: 4, members: ['checkout/db', 'checkout/limits'] });
    expect(['checkout/db', 'checkout/limits'].map((k) => (s.etcd.get(dataKeyOf(k)) as { modRevision: string }).modRevision)).toEqual(dataRevisions);
    expect((s.etcd.get(metaKeyOf('checkout/db')) as { modRevision: string }).modRevision).toBe(s.etcd.revision);
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
    expect(s.etcd.snapshot([dataPrefix(PREFIX), metaPrefix(PREFIX), bundlesPrefix(PREFIX)]).kvs).toEqual([]);
  });
});

describe('BundleReconciler: fencing, as the entry reconciler has it', () => {
  it('plans again under the moved fence, without fencing lost, when another reconcile\'s move refused its transaction', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    s.etcd.beforeCommit = () => {
      s.etcd.beforeCommit = undefined;
      void s.fencing.supersede(s.fence); // another reconcile's commit timed out meanwhile
    };

    expect(await s.reconciler.reconcile(KEY)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['fence.move: moved', 'etcd.commit: compare failed', 'etcd.commit: committed', 'kube.patchStatus Committed']);
    expect(s.fencing.current()).toBeDefined();
    expect(s.etcd.applied[0]?.compares[0]).toEqual({ kind: 'modRevision', key: fenceKey(PREFIX), equals: s.fencing.current()?.revision });
  });

  it('writes nothing, status included, when another holder moved the fence, and tells the manager', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    s.etcd.acquireFence(fenceKey(PREFIX), 'cairn-1');

    expect(await s.reconciler.reconcile(KEY)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: compare failed', 'onFencingLost']);
    expect(s.etcd.applied).toEqual([]);
    expect(s.api.get(KEY)?.status).toBeUndefined();
  });

  it('writes nothing more, status included, when its own fence move fails after an unknown outcome, and retries the bundle later (rate limited)', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    s.etcd.failNextCommit('outcomeUnknownBeforeApply');
    s.fencing.failNextMove = true;

    expect(await s.reconciler.reconcile(KEY)).toEqual({ kind: 'retry' });

    expect(s.calls.summary()).toEqual(['etcd.commit: outcome unknown, not applied', 'fence.move: failed']);
    expect(s.api.get(KEY)?.status).toBeUndefined();
  });

  it('a deletion refused by another holder\'s fence deletes nothing and keeps the finalizer', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    await s.reconciler.reconcile(KEY);
    const committed = s.api.get(KEY) as ConfigBundle;
    s.api.put({ ...committed, metadata: { ...committed.metadata, deletionTimestamp: '2030-01-02T03:05:00Z' } });
    s.etcd.acquireFence(fenceKey(PREFIX), 'cairn-1');
    s.calls.clear();

    await s.reconciler.reconcile(KEY);

    expect(s.calls.summary()).toEqual(['etcd.read', 'etcd.commit: compare failed', 'onFencingLost']);
    expect(s.api.get(KEY)?.metadata.finalizers).toEqual([FINALIZER]);
    expect(s.etcd.value(dataKeyOf('checkout/db'))).toBeDefined();
  });

  it('does nothing at all while this replica holds no fence', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    s.fencing.leading = false;

    expect(await s.reconciler.reconcile(KEY)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([]);
  });
});

describe('BundleReconciler: a drift correction whose outcome was unknown', () => {
  it('is still reported as a correction when the re-plan finds it applied: the metric, the event, the drift fight', async () => {
    const s = new BundleScenario();
    s.api.put(live());
    await s.reconciler.reconcile(KEY);
    s.etcd.put(dataKeyOf('checkout/limits'), '{"edited":"outside"}');
    s.restart(); // a view that has seen the outside change (the drift watch delivered it)
    s.etcd.failNextCommit('outcomeUnknownAfterApply');
    s.calls.clear();

    await s.reconciler.reconcile(KEY);

    expect(s.calls.summary()).toEqual(['etcd.commit: outcome unknown, applied', 'fence.move: moved', 'etcd.read', 'kube.patchStatus Committed']);
    expect(await driftCorrected(s)).toBe(1);
    expect(s.events).toContain('Normal DriftCorrected');
  });
});

describe('a bundle whose members carry fields their schema does not declare', () => {
  it('commits them pruned, with FieldsPruned naming each under its member, and warns once per generation: not on a resync, nor after a restart', async () => {
    const s = new BundleScenario();
    const { schema } = pruningSchema(['host', 'database', 'user']);
    s.engineSchemas = () => ({ kind: 'ready', schema });
    s.restart();
    const db = member('checkout/db');
    const misspelt = { ...member('checkout/limits'), data: { ...member('checkout/limits').data, prot: 6543 } };
    s.api.put(live({ members: [db, misspelt] }));

    expect(await s.reconciler.reconcile(KEY)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus Committed']);
    expect(s.events).toEqual(['Normal Committed', 'Warning UnknownFieldsPruned']);
    expect(JSON.parse(s.etcd.value(dataKeyOf('checkout/limits')) ?? '{}')).not.toHaveProperty('prot');
    expect(findCondition(s.api.get(KEY)?.status, 'FieldsPruned')).toMatchObject({
      status: 'True',
      reason: 'UnknownFieldsPruned',
      message: 'spec.members[1].data.prot: unknown field, not declared by the schema; pruned, not stored',
    });

    s.calls.clear();
    s.events.length = 0;
    await s.reconciler.reconcile(KEY);
    s.restart();
    await s.reconciler.reconcile(KEY);
    expect(s.calls.summary()).toEqual([]);
    expect(s.events).toEqual([]);

    nextGeneration(s, [db, { ...misspelt, data: { ...misspelt.data, host: 'db2.shop.svc' } }]);
    await s.reconciler.reconcile(KEY);
    expect(s.events).toEqual(['Normal Committed', 'Warning UnknownFieldsPruned']);
  });
});
