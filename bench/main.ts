/**
 * `npm run bench`: Cairn against the raw parts, in one run, on one machine. Prints a table and writes
 * bench/results/latest.json (and a dated copy). Fails only on errors or wrong results: an entry that
 * never becomes Ready, or a value in etcd that differs from what was applied. No target is asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import { ETCD_VERSION, KUBERNETES_VERSION } from '../tools/binaries/components.ts';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { startOperatorProcess } from '../tools/controlplane/operator-process.ts';
import { trimForCache } from '../src/kube/trim.ts';
import { measureAdmissionCost } from './admission.ts';
import { applyToReady, bulkCreate, updateChurn } from './cairn.ts';
import { WARMUP, measureFloorLatency, measureRawPipeline } from './floor.ts';
import { stageFigures } from './operator-metrics.ts';
import { RawKube } from './raw-kube.ts';
import { round, slope, summarize, until } from './stats.ts';
import { WatchTracker } from './watch-tracker.ts';
import { canonicalOf, dataFor, entriesPath } from './workload.ts';
import { formatTable } from './report.ts';
import { rawReadAsProcess } from './raw-read.ts';

const options = new Command('bench')
  .option('--entries <n>', 'entries for the bulk run', (v) => Number(v), 2000)
  .option('--large', 'bulk run with 10,000 entries (memory at 0, 1k, 5k, 10k)')
  .option('--members <n>', 'etcd store members (1 or 3)', (v) => Number(v), 3)
  .option('--latency-samples <n>', 'creates in the apply -> Ready run', (v) => Number(v), 200)
  .option('--rate <n>', 'arrivals per second for the open-loop runs', (v) => Number(v), 20)
  .option('--concurrency <n>', "the operator's --concurrency (and the raw pipeline's)", (v) => Number(v), 8)
  .option('--creators <n>', 'concurrent clients creating entries in bulk', (v) => Number(v), 32)
  .option('--profile <dir>', "write the operator's CPU profile (node --cpu-prof) into this directory")
  .parse()
  .opts<{ entries: number; large?: boolean; members: number; latencySamples: number; rate: number; concurrency: number; creators: number; profile?: string }>();

const total = options.large ? 10_000 : options.entries;
const checkpoints = [...new Set([Math.min(1000, total), ...(total >= 5000 ? [5000] : []), total])].filter((c) => c > 0).sort((a, b) => a - b);
const log = (line: string): void => console.log(`[bench] ${line}`);
const PREFIX = '/bench';
const RAW_PREFIX = '/bench-raw';

const cp = await startControlPlane({ members: options.members === 1 ? 1 : 3, log });
const kube = new RawKube(cp.info.kubeconfig);
const etcd = new Etcd3({ hosts: [...cp.info.storeEndpoints], grpcOptions: { 'grpc.max_receive_message_length': -1 } });
const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
let failed = false;
try {
  await installCrds(cp.info);
  // The fast path as shipped: the apiserver adds the finalizer at CREATE (floor and Cairn alike).
  await installAdmissionPolicy(cp.info);
  for (const ns of ['bench-floor', 'bench-raw', 'bench-cairn']) await kube.send('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const fencePut = await etcd.put(`${RAW_PREFIX}/fence`).value('bench').exec();
  const parts = { kube, etcd, fence: { key: `${RAW_PREFIX}/fence`, revision: fencePut.header.revision }, prefix: RAW_PREFIX };

  log(`floor: ${options.latencySamples} sequential creates, transactions and status patches`);
  const floor = await measureFloorLatency(parts, 'bench-floor', options.latencySamples);

  log(`schema admission policy: ${options.latencySamples} dry-run creates with and as many without it bound, interleaved`);
  const admission = await measureAdmissionCost(kube, options.latencySamples);

  log(`raw pipeline: ${total} objects, ${options.concurrency} workers`);
  let rawSeconds = 0;
  for (let done = 0, c = 0; c < checkpoints.length; c++) {
    const count = (checkpoints[c] as number) - done;
    rawSeconds += await measureRawPipeline(parts, 'bench-raw', count, options.creators, options.concurrency, done);
    done += count;
  }

  log('starting the operator');
  const operatorArgs = ['--watch-namespace=bench-cairn', `--prefix=${PREFIX}`, '--no-leader-elect', `--concurrency=${options.concurrency}`, '--log-level=warn'];
  let operator = await startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args: operatorArgs, nodeArgs: ['--expose-gc', ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.profile)}`] : [])] });
  const heap = async (): Promise<number> => ((await (await fetch(`${operator.metricsUrl}/debug/heap`)).json()) as { heapUsed: number }).heapUsed;
  const tracker = await WatchTracker.start(kube, 'bench-cairn');
  // Heap after a forced GC, by how many entries the operator holds.
  const heapPoints: { entries: number; heap: number }[] = [{ entries: 0, heap: await heap() }];

  log(`apply -> Ready: ${options.latencySamples} creates at ${options.rate}/s (after ${WARMUP} not counted)`);
  const warmNames = Array.from({ length: WARMUP }, (_, i) => `warm-${i}`);
  await applyToReady(kube, tracker, 'bench-cairn', warmNames, options.rate, 200_000);
  const latencyNames = Array.from({ length: options.latencySamples }, (_, i) => `lat-${i}`);
  const applyReady = summarize(await applyToReady(kube, tracker, 'bench-cairn', latencyNames, options.rate, 100_000));
  heapPoints.push({ entries: WARMUP + options.latencySamples, heap: await heap() });

  log(`bulk: ${total} entries by ${options.creators} clients`);
  let bulkSeconds = 0;
  const bulkNames: string[] = [];
  for (let done = 0, c = 0; c < checkpoints.length; c++) {
    const upTo = checkpoints[c] as number;
    const names = Array.from({ length: upTo - done }, (_, k) => `bulk-${done + k}`);
    bulkSeconds += await bulkCreate(kube, tracker, 'bench-cairn', names, options.creators, done);
    bulkNames.push(...names);
    heapPoints.push({ entries: WARMUP + options.latencySamples + upTo, heap: await heap() });
    done = upTo;
  }

  log(`update churn: ${options.latencySamples} updates at ${options.rate}/s`);
  const churnNames = bulkNames.slice(0, options.latencySamples);
  const churn = summarize(await updateChurn(kube, tracker, 'bench-cairn', churnNames, (n) => Number(n.slice(5)), options.rate));
  const stages = stageFigures(await operator.metrics());

  log('checking every value in etcd');
  const all = [...warmNames.map((n, i) => [n, dataFor(200_000 + i)] as const), ...latencyNames.map((n, i) => [n, dataFor(100_000 + i)] as const), ...bulkNames.map((n, i) => [n, dataFor(i, churnNames.includes(n) ? 2 : 1)] as const)];
  const stored = new Map(Object.entries(await etcd.getAll().prefix(`${PREFIX}/data/bench-cairn/`).strings()));
  const wrong = all.filter(([name, data]) => stored.get(`${PREFIX}/data/bench-cairn/${name}`) !== canonicalOf(data) || !tracker.isReadyAt(name, churnNames.includes(name) ? 2 : 1));
  if (wrong.length > 0) {
    failed = true;
    console.error(`[bench] WRONG RESULTS: ${wrong.length} entries not Ready or not as applied in etcd, e.g. ${wrong.slice(0, 5).map(([n]) => n).join(', ')}`);
  }

  log('restart: the operator over every committed entry');
  await operator.stop();
  const revisionBefore = (await etcd.get('/').exec()).header.revision;
  const restartStart = performance.now();
  operator = await startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args: operatorArgs });
  const readyAfter = (performance.now() - restartStart) / 1000;
  const success = 'controller_runtime_reconcile_total{controller="configentry",result="success"}';
  await until('re-confirmation of every entry', async () => (await operator.metric(success)) >= all.length, 300_000);
  const restartSeconds = (performance.now() - restartStart) / 1000;
  const restartCommits = await operator.metric('cairn_etcd_txn_total{result="committed"}');
  const revisionDelta = Number(BigInt((await etcd.get('/').exec()).header.revision) - BigInt(revisionBefore));
  await operator.stop();
  // The raw re-read, measured both ways: as a fresh process with the fastest clients (what a restart
  // of anything costs: Node and its client libraries load first), and inside this warm process.
  const rawProcessSeconds = rawReadAsProcess(cp.info.kubeconfig, cp.info.storeEndpoints, entriesPath('bench-cairn'), `${PREFIX}/`);
  const t0 = performance.now();
  await kube.send('GET', entriesPath('bench-cairn'));
  await etcd.getAll().prefix(`${PREFIX}/`).strings();
  const rawReconfirmSeconds = (performance.now() - t0) / 1000;

  // What one entry weighs: as the apiserver serves it, and as the operator caches it.
  const sample = (await kube.send('GET', `${entriesPath('bench-cairn')}/bulk-0`)) as object;
  const jsonBytes = Buffer.byteLength(JSON.stringify(sample));
  const cachedBytes = Buffer.byteLength(JSON.stringify(trimForCache(structuredClone(sample))));
  // Bytes per entry: the slope of heap against entries (least squares over every point), so neither
  // fixed costs nor one noisy measurement decide it.
  const heapBytesPerEntry = round(slope(heapPoints), 0);
  const heapAt = Object.fromEntries(heapPoints.map((p) => [p.entries, p.heap]));
  const bulkThroughput = total / bulkSeconds;
  const rawThroughput = total / rawSeconds;

  const results = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), kernel: release(), node: process.version },
    versions: { cairn: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(), kubernetes: KUBERNETES_VERSION, etcd: ETCD_VERSION, node: process.version, storeMembers: options.members },
    settings: { entries: total, latencySamples: options.latencySamples, ratePerSecond: options.rate, concurrency: options.concurrency, creators: options.creators },
    floor: { createToWatchMs: floor.create, txnMs: floor.txn, statusPatchToWatchMs: floor.statusPatch, p50Ms: round(floor.p50), p99Ms: round(floor.p99), rawPipelineEntriesPerSecond: round(rawThroughput) },
    cairn: { applyReadyMs: applyReady, updateReadyMs: churn, bulkEntriesPerSecond: round(bulkThroughput), bulkSeconds: round(bulkSeconds) },
    ratios: {
      applyReadyP50: round(applyReady.p50 / floor.p50),
      applyReadyP99: round(applyReady.p99 / floor.p99),
      updateReadyP50: round(churn.p50 / floor.p50),
      bulkThroughput: round(bulkThroughput / rawThroughput),
    },
    memory: { heapBytesPerEntry, heapBytesAt: heapAt, jsonBytesPerEntry: jsonBytes, cachedJsonBytesPerEntry: cachedBytes, heapToJsonRatio: round(heapBytesPerEntry / jsonBytes) },
    restart: {
      entries: all.length,
      etcdWrites: restartCommits,
      storeRevisionDelta: revisionDelta,
      seconds: round(restartSeconds),
      readySeconds: round(readyAfter),
      rawProcessSeconds: round(rawProcessSeconds, 3),
      rawInProcessSeconds: round(rawReconfirmSeconds, 3),
      ratio: round(restartSeconds / rawProcessSeconds),
    },
    schemas: {
      admissionCreateRatio: admission.admissionCreateRatio,
      admissionCreateMs: { withoutPolicy: admission.withoutPolicyMs, withPolicy: admission.withPolicyMs },
    },
    stages,
    wrongResults: wrong.length,
  };
  const out = resolve('bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, `${results.when.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${formatTable(results)}\n\nwritten to bench/results/latest.json`);
  tracker.close();
} catch (error) {
  failed = true;
  console.error('[bench] failed:', error);
} finally {
  etcd.close();
  await kube.close();
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
