/**
 * One chaos run: start the rig, record etcd from its first revision, drive the workload while the
 * seeded schedule injects faults one after another, stop the workload, wait until the system settles
 * (or give up), replay etcd's history, stop every process, and check the whole history.
 *
 * Guarantees: every process the run starts is stopped by pid before it returns (and any survivor is
 * a violation); the history is written to `<dir>/history.json` for a second look.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { type ApiServerHandle, ownApiServer, sharedApiServer } from './apiserver.ts';
import { check, type Verdict } from './checker.ts';
import { type BundleLog, bundleLog, type EntryLog, entryLog } from './api-log.ts';
import { EtcdHistory } from './etcd-history.ts';
import { type Fault, type FaultContext, FAULTS, faultNamed } from './faults.ts';
import type { FinalState, History } from './history.ts';
import { LiveReader } from './live-reader.ts';
import { type BundleObject, bundleStatusOf, type EntryObject, statusOf } from './observed.ts';
import { Prng } from './prng.ts';
import { livePids, Rig } from './rig.ts';
import { describeUserView, readCounters } from './user-view.ts';
import { retrying } from './retrying.ts';
import { Workload } from './workload.ts';

export interface RunOptions {
  readonly seed: number;
  readonly dir: string;
  readonly binaries: { readonly etcd: string; readonly etcdctl: string; readonly 'kube-apiserver': string; readonly kubectl: string };
  /** The integration run's apiserver (kubeconfig), or 'own' for one this run may kill. */
  readonly apiserver: { readonly kubeconfig: string } | 'own';
  readonly members: 1 | 3;
  readonly quotaBytes?: number;
  /** Fault names in order, or how many to pick (seeded) among those the rig can host. */
  readonly faults: readonly string[] | number;
  /** Start each fault at its moment even while others run, unless they act on the same part. */
  readonly overlap?: boolean;
  readonly workloadMs: number;
  readonly entries: number;
  readonly sharedPairs: number;
  /** ConfigBundles in play beside the entries (see bundle-workload.ts). */
  readonly bundles: number;
  readonly opsPerSecond: number;
  readonly settleTimeoutMs: number;
  readonly log: (line: string) => void;
}

export interface FaultDone {
  readonly name: string;
  readonly atMs: number;
  readonly tookMs: number;
  readonly what: string;
  /** Statuses, Events and counters seen while it lasted (see user-view.ts). */
  readonly seen: string;
}

export interface RunResult {
  readonly seed: number;
  readonly faults: readonly FaultDone[];
  readonly workloadOperations: number;
  readonly verdict: Verdict;
  /** From the moment the last fault was healed and the workload stopped to the first settled state. */
  readonly convergenceMs: number | undefined;
  readonly historyFile: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runChaos(options: RunOptions): Promise<RunResult> {
  const rng = new Prng(options.seed);
  const id = `chaos-${options.seed}-${randomBytes(3).toString('hex')}`;
  const namespace = id;
  const prefix = `/${id}`;
  const apiserver: ApiServerHandle = options.apiserver === 'own' ? await ownApiServer({ dir: options.dir, binaries: options.binaries }) : sharedApiServer(options.apiserver.kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromFile(apiserver.kubeconfig);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const rig = await Rig.start({ dir: options.dir, etcdBinary: options.binaries.etcd, members: options.members, ...(options.quotaBytes ? { quotaBytes: options.quotaBytes } : {}), apiserver, namespace, prefix, log: options.log });
  const history = await EtcdHistory.begin(rig.store.endpoints, prefix);
  const entries = entryLog(kc, namespace, prefix);
  const bundles = bundleLog(kc, namespace, prefix);
  const reader = await LiveReader.start(rig.store.endpoints, prefix);
  try {
    await rig.startReplicas();
    entries.start();
    bundles.start();
    const workload = new Workload({ kc, etcd: history.client, namespace, prefix, log: entries, bundleLog: bundles, rng: rng.fork('workload'), entries: options.entries, sharedPairs: options.sharedPairs, bundles: options.bundles, opsPerSecond: options.opsPerSecond });
    const ctx: FaultContext = {
      rig,
      apiserver,
      history,
      workload,
      entries,
      rng: rng.fork('faults'),
      etcdctl: options.binaries.etcdctl,
    };
    const started = Date.now();
    workload.start();
    const observe = { kc, namespace, entries };
    const faults = await injectFaults(ctx, schedule(ctx, options), started, observe, options.overlap ?? false, options.log);
    await sleep(Math.max(0, started + options.workloadMs - Date.now()));
    await workload.stop();
    const quietAt = Date.now();
    options.log(`workload stopped after ${workload.operations} operations; waiting for the system to settle`);
    const { final, settledAt } = await settle(kc, namespace, prefix, history, { entries, bundles }, workload, options.settleTimeoutMs);
    await retrying('replay etcd history', () => history.record());
    await reader.stop();
    entries.stop();
    bundles.stop();
    await rig.stop();
    await apiserver.stop();
    const leakedPids = livePids(options.dir);
    const run: History = {
      prefix,
      generations: [...entries.generations.values()],
      deletions: workload.deletions,
      statuses: entries.statuses,
      etcd: history.recorded,
      driftEdits: workload.driftEdits,
      replicas: rig.claims(),
      bundleGenerations: [...bundles.generations.values()],
      bundleStatuses: bundles.statuses,
      reader: reader.observed,
      final: { ...final, leakedPids },
    };
    const historyFile = join(options.dir, 'history.json');
    writeFileSync(historyFile, JSON.stringify({ seed: options.seed, faults, ...run }, null, 1));
    return { seed: options.seed, faults, workloadOperations: workload.operations, verdict: check(run), convergenceMs: settledAt === undefined ? undefined : settledAt - quietAt, historyFile };
  } finally {
    entries.stop();
    bundles.stop();
    await reader.stop();
    history.close();
    await rig.stop();
    await apiserver.stop();
  }
}

/** The faults of this run, each with its start time (ms after the workload starts). */
function schedule(ctx: FaultContext, options: RunOptions): { fault: Fault; atMs: number }[] {
  const fitting = FAULTS.filter((f) => f.fits(ctx));
  let chosen: Fault[];
  if (typeof options.faults !== 'number') {
    chosen = options.faults.map(faultNamed);
  } else {
    const pool = [...fitting];
    chosen = Array.from({ length: options.faults }, () => {
      if (pool.length === 0) pool.push(...fitting);
      return pool.splice(Math.floor(ctx.rng.next() * pool.length), 1)[0] as Fault;
    });
  }
  const window = Math.max(1, options.workloadMs - 4_000);
  const times = chosen.map(() => 1_500 + Math.floor(ctx.rng.next() * window)).sort((a, b) => a - b);
  return chosen.map((fault, i) => ({ fault, atMs: times[i] ?? 0 }));
}

async function injectFaults(
  ctx: FaultContext,
  plan: { fault: Fault; atMs: number }[],
  started: number,
  observe: { kc: KubeConfig; namespace: string; entries: EntryLog },
  overlap: boolean,
  log: (line: string) => void,
): Promise<FaultDone[]> {
  const done: FaultDone[] = [];
  // A fault waits for the faults before it that act on the same part (all of them, without overlap).
  const busy = new Map<string, Promise<void>>();
  const running = plan.map(({ fault, atMs }) => {
    const targets = overlap ? fault.targets : ['everything'];
    const before = Promise.all(targets.map((t) => busy.get(t)));
    const finished = (async () => {
      await before;
      await sleep(Math.max(0, started + atMs - Date.now()));
      const at = Date.now();
      const counters = await readCounters(ctx.rig);
      log(`fault ${fault.name} at +${((at - started) / 1000).toFixed(1)} s`);
      const what = await fault.inject(ctx);
      const seen = await describeUserView(observe.kc, observe.namespace, observe.entries, at, counters, ctx.rig);
      done.push({ name: fault.name, atMs: at - started, tookMs: Date.now() - at, what, seen });
      log(`  ${fault.name}: ${what} (${((Date.now() - at) / 1000).toFixed(1)} s)`);
      log(`    seen: ${seen}`);
    })();
    for (const t of targets) busy.set(t, finished);
    return finished;
  });
  await Promise.all(running);
  return done.sort((a, b) => a.atMs - b.atMs);
}

/** Polls until the settled-state rule holds (or `timeoutMs` passes); returns the last state read. */
async function settle(kc: KubeConfig, namespace: string, prefix: string, history: EtcdHistory, logs: { entries: EntryLog; bundles: BundleLog }, workload: Workload, timeoutMs: number): Promise<{ final: Omit<FinalState, 'leakedPids'>; settledAt: number | undefined }> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  let final: Omit<FinalState, 'leakedPids'> = { entries: [], bundles: [], etcd: {} };
  const list = async <T>(plural: string): Promise<T[]> => ((await api.listNamespacedCustomObject({ group: 'cairn.dev', version: 'v1alpha1', namespace, plural })) as { items: T[] }).items;
  for (;;) {
    try {
      const entries = await list<EntryObject>('configentries');
      const bundles = await list<BundleObject>('configbundles');
      for (const item of entries) logs.entries.note(item);
      for (const item of bundles) logs.bundles.note(item);
      const now = Date.now();
      const common = (item: EntryObject | BundleObject) => ({ uid: item.metadata.uid ?? '', namespace, name: item.metadata.name ?? '', generation: item.metadata.generation ?? 0, deleting: item.metadata.deletionTimestamp !== undefined });
      final = {
        entries: entries.map((item) => ({ ...common(item), status: statusOf(item, now) })),
        bundles: bundles.map((item) => ({ ...common(item), status: bundleStatusOf(item, now) })),
        etcd: await history.snapshot(),
      };
      const probe: History = {
        prefix,
        generations: [...logs.entries.generations.values()],
        deletions: workload.deletions,
        statuses: [],
        etcd: [],
        driftEdits: [],
        replicas: [],
        bundleGenerations: [...logs.bundles.generations.values()],
        bundleStatuses: [],
        reader: [],
        final: { ...final, leakedPids: [] },
      };
      if (check(probe).violations.length === 0) return { final, settledAt: Date.now() };
    } catch {
      // a read failed: the system is not settled yet
    }
    if (Date.now() > deadline) return { final, settledAt: undefined };
    await sleep(500);
  }
}
