/**
 * One operator under test (Cairn, or the Go reference) through the same workload, on the same control
 * plane: apply -> Ready (open loop), bulk to the checkpoints, update churn, every value checked in
 * etcd, then a restart over every entry it committed. The benchmark runs it once per operator, back
 * to back, each in a namespace and under an etcd prefix of its own, the other operator stopped.
 *
 * What is read from outside, the same way for both: latencies from the benchmark's own watch, CPU
 * and resident memory from /proc/<pid> (process-stats.ts), reconciles from
 * `controller_runtime_reconcile_total{controller="configentry"}` and etcd writes at restart from
 * `cairn_etcd_txn_total{result="committed"}` (both operators export these names) and from the store
 * revision.
 */
import type { Etcd3 } from 'etcd3';
import type { OperatorProcess } from '../tools/controlplane/operator-process.ts';
import { applyToReady, bulkCreate, updateChurn } from './cairn.ts';
import { WARMUP } from './floor.ts';
import { cpuSeconds, residentBytes } from './process-stats.ts';
import type { RawKube } from './raw-kube.ts';
import { round, type Summary, summarize, until } from './stats.ts';
import { WatchTracker } from './watch-tracker.ts';
import { canonicalOf, dataFor } from './workload.ts';

export interface Subject {
  readonly label: string;
  readonly namespace: string;
  readonly prefix: string;
  start(): Promise<OperatorProcess>;
  /** process.memoryUsage() after a forced GC (Cairn under --expose-gc); its CPU is not counted. */
  readonly heap?: (operator: OperatorProcess) => Promise<NodeJS.MemoryUsage>;
}

export interface RunSettings {
  readonly latencySamples: number;
  readonly rate: number;
  readonly creators: number;
  /** Entries held after each bulk step, ascending; the last is the bulk total. */
  readonly checkpoints: readonly number[];
  readonly log: (line: string) => void;
}

export interface RunFigures {
  readonly applyReadyMs: Summary;
  readonly updateReadyMs: Summary;
  readonly bulkEntriesPerSecond: number;
  readonly bulkSeconds: number;
  /** Process CPU over apply -> Ready, bulk and churn, per 1,000 reconciles. */
  readonly cpuSecondsPer1000Reconciles: number;
  readonly cpu: { readonly seconds: number; readonly reconciles: number };
  /** Spawn -> ready with nothing to do yet. */
  readonly startupSeconds: number;
  /** VmRSS by entries held (after apply -> Ready, after each bulk step). */
  readonly rssBytesAt: Record<number, number>;
  readonly rssBytesAfterBulk: number;
  readonly heapPoints: readonly { entries: number; heap: number }[];
  /** Where the resident memory is, after bulk (Cairn: rss, heapTotal, heapUsed, external, arrayBuffers). */
  readonly memoryUsageAfterBulk?: NodeJS.MemoryUsage;
  readonly restart: { readonly entries: number; readonly etcdWrites: number; readonly storeRevisionDelta: number; readonly seconds: number; readonly readySeconds: number; readonly rssBytes: number };
  /** The operator's /metrics at the end of the churn. */
  readonly metricsText: string;
  /** Names (with the generation expected) not Ready or not as applied in etcd. */
  readonly wrong: readonly string[];
}

const RECONCILES = 'controller_runtime_reconcile_total{controller="configentry",';
const SUCCESS = 'controller_runtime_reconcile_total{controller="configentry",result="success"}';
const COMMITTED = 'cairn_etcd_txn_total{result="committed"}';

/** Every reconcile counted, whatever its result. */
async function reconciles(operator: OperatorProcess): Promise<number> {
  return (await operator.metrics())
    .split('\n')
    .filter((l) => l.startsWith(RECONCILES))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

export async function runOperator(subject: Subject, kube: RawKube, etcd: Etcd3, settings: RunSettings): Promise<RunFigures> {
  const { namespace, label } = subject;
  const log = (line: string): void => settings.log(`${label}: ${line}`);
  log('starting');
  const spawned = performance.now();
  let operator = await subject.start();
  const startupSeconds = (performance.now() - spawned) / 1000;
  const pid = (): number => operator.process.pid;
  const tracker = await WatchTracker.start(kube, namespace);
  try {
    const heapPoints: { entries: number; heap: number }[] = [];
    let memoryUsage: NodeJS.MemoryUsage | undefined;
    const rssBytesAt: Record<number, number> = {};
    let notCounted = 0; // CPU of the forced GCs behind heap(): the benchmark's, not the operator's
    const sample = async (entries: number): Promise<void> => {
      rssBytesAt[entries] = residentBytes(pid());
      if (!subject.heap) return;
      const before = cpuSeconds(pid());
      memoryUsage = await subject.heap(operator);
      heapPoints.push({ entries, heap: memoryUsage.heapUsed });
      notCounted += cpuSeconds(pid()) - before;
    };
    await sample(0);

    const cpuStart = cpuSeconds(pid());
    const reconcilesStart = await reconciles(operator);
    log(`apply -> Ready: ${settings.latencySamples} creates at ${settings.rate}/s (after ${WARMUP} not counted)`);
    const warmNames = Array.from({ length: WARMUP }, (_, i) => `warm-${i}`);
    await applyToReady(kube, tracker, namespace, warmNames, settings.rate, 200_000);
    const latencyNames = Array.from({ length: settings.latencySamples }, (_, i) => `lat-${i}`);
    const applyReadyMs = summarize(await applyToReady(kube, tracker, namespace, latencyNames, settings.rate, 100_000));
    const held = WARMUP + settings.latencySamples;
    await sample(held);

    const total = settings.checkpoints[settings.checkpoints.length - 1] ?? 0;
    log(`bulk: ${total} entries by ${settings.creators} clients`);
    let bulkSeconds = 0;
    const bulkNames: string[] = [];
    for (let done = 0, c = 0; c < settings.checkpoints.length; c++) {
      const upTo = settings.checkpoints[c] as number;
      const names = Array.from({ length: upTo - done }, (_, k) => `bulk-${done + k}`);
      bulkSeconds += await bulkCreate(kube, tracker, namespace, names, settings.creators, done);
      bulkNames.push(...names);
      await sample(held + upTo);
      done = upTo;
    }
    const rssBytesAfterBulk = residentBytes(pid());

    log(`update churn: ${settings.latencySamples} updates at ${settings.rate}/s`);
    const churnNames = bulkNames.slice(0, settings.latencySamples);
    const updateReadyMs = summarize(await updateChurn(kube, tracker, namespace, churnNames, (n) => Number(n.slice(5)), settings.rate));
    const cpuSecondsUsed = cpuSeconds(pid()) - cpuStart - notCounted;
    const reconcileCount = (await reconciles(operator)) - reconcilesStart;
    const metricsText = await operator.metrics();

    log('checking every value in etcd');
    const all = [...warmNames.map((n, i) => [n, dataFor(200_000 + i)] as const), ...latencyNames.map((n, i) => [n, dataFor(100_000 + i)] as const), ...bulkNames.map((n, i) => [n, dataFor(i, churnNames.includes(n) ? 2 : 1)] as const)];
    const dataPrefix = `${subject.prefix}/data/${namespace}/`;
    const stored = new Map(Object.entries(await etcd.getAll().prefix(dataPrefix).strings()));
    const wrong = all.filter(([name, data]) => stored.get(`${dataPrefix}${name}`) !== canonicalOf(data) || !tracker.isReadyAt(name, churnNames.includes(name) ? 2 : 1)).map(([name]) => name);

    log(`restart over ${all.length} entries`);
    await operator.stop();
    const revisionBefore = (await etcd.get('/').exec()).header.revision;
    const restartStart = performance.now();
    operator = await subject.start();
    const readySeconds = (performance.now() - restartStart) / 1000;
    await until(`${label}: re-confirmation of every entry`, async () => (await operator.metric(SUCCESS)) >= all.length, 300_000);
    const restartSeconds = (performance.now() - restartStart) / 1000;
    const etcdWrites = await operator.metric(COMMITTED);
    const storeRevisionDelta = Number(BigInt((await etcd.get('/').exec()).header.revision) - BigInt(revisionBefore));
    const restartRss = residentBytes(pid());
    await operator.stop();

    return {
      applyReadyMs,
      updateReadyMs,
      bulkEntriesPerSecond: round(total / bulkSeconds),
      bulkSeconds: round(bulkSeconds),
      cpuSecondsPer1000Reconciles: round((cpuSecondsUsed / reconcileCount) * 1000, 3),
      cpu: { seconds: round(cpuSecondsUsed, 3), reconciles: reconcileCount },
      startupSeconds: round(startupSeconds, 3),
      rssBytesAt,
      rssBytesAfterBulk,
      heapPoints,
      ...(memoryUsage ? { memoryUsageAfterBulk: memoryUsage } : {}),
      restart: { entries: all.length, etcdWrites, storeRevisionDelta, seconds: round(restartSeconds, 3), readySeconds: round(readySeconds, 3), rssBytes: restartRss },
      metricsText,
      wrong,
    };
  } finally {
    tracker.close();
    await operator.stop();
  }
}
