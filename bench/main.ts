/**
 * `npm run bench`: Cairn against the floor and against a Go reference operator, in one run, on one
 * machine (issue 13). Prints a table and writes bench/results/latest.json (and a dated copy). Fails
 * only on errors or wrong results: an entry that never becomes Ready, or a value in etcd that differs
 * from what was applied (for either operator). No target is asserted.
 *
 * Order: the floors (Go probe, then Node), the admission cost, the raw pipeline, then the Go
 * reference and then Cairn, each through operator-run.ts with the other stopped. Cairn runs after the
 * reference, so whatever running second costs (a larger store, a warmer or more fragmented machine)
 * falls on Cairn, never on the reference. Then the reader and the declared-vs-embedded schema run
 * (bench/declared.ts), each with a Cairn of its own. The load average is recorded before each part: on a shared machine the
 * figures are only as good as the conditions they were taken in.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import { ETCD_VERSION, KUBERNETES_VERSION } from '../tools/binaries/components.ts';
import { ensureBinaries } from '../tools/binaries/ensure.ts';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { startOperatorProcess } from '../tools/controlplane/operator-process.ts';
import { trimForCache } from '../src/kube/trim.ts';
import { measureAdmissionCost } from './admission.ts';
import { buildCairn } from './build-cairn.ts';
import { measureDeclaredVsEmbedded } from './declared.ts';
import { WARMUP, measureFloorLatency, measureRawPipeline } from './floor.ts';
import { measureGoFloor } from './floor-go.ts';
import { measureReader } from './reader.ts';
import { stageFigures } from './operator-metrics.ts';
import { type RunFigures, runOperator } from './operator-run.ts';
import { loadAverage } from './process-stats.ts';
import { RawKube } from './raw-kube.ts';
import { referenceBinary, startReferenceProcess } from './reference-process.ts';
import { round, slope } from './stats.ts';
import { entriesPath } from './workload.ts';
import { type Results, formatTable } from './report.ts';
import { rawReadAsProcess } from './raw-read.ts';

const options = new Command('bench')
  .option('--entries <n>', 'entries for the bulk run', (v) => Number(v), 2000)
  .option('--large', 'bulk run with 10,000 entries (memory at 0, 1k, 5k, 10k)')
  .option('--members <n>', 'etcd store members (1 or 3)', (v) => Number(v), 3)
  .option('--latency-samples <n>', 'creates in the apply -> Ready run', (v) => Number(v), 200)
  .option('--rate <n>', 'arrivals per second for the open-loop runs', (v) => Number(v), 20)
  .option('--concurrency <n>', "the operators' --concurrency (and the raw pipeline's)", (v) => Number(v), 8)
  .option('--creators <n>', 'concurrent clients creating entries in bulk', (v) => Number(v), 32)
  .option('--profile <dir>', "write Cairn's CPU profile (node --cpu-prof) into this directory")
  .option('--from-source', 'run Cairn from src/*.ts (Node strips the types at each start) instead of compiled as the image runs it')
  .parse()
  .opts<{ entries: number; large?: boolean; members: number; latencySamples: number; rate: number; concurrency: number; creators: number; profile?: string; fromSource?: boolean }>();

const total = options.large ? 10_000 : options.entries;
const checkpoints = [...new Set([Math.min(1000, total), ...(total >= 5000 ? [5000] : []), total])].filter((c) => c > 0).sort((a, b) => a - b);
const log = (line: string): void => console.log(`[bench] ${line}`);
const CAIRN = { namespace: 'bench-cairn', prefix: '/bench' };
const REFERENCE = { namespace: 'bench-go', prefix: '/bench-go' };
const READER = { namespace: 'bench-reader', prefix: '/bench-reader' };
const DECLARED = { namespace: 'bench-declared', prefix: '/bench-declared' };
const RAW_PREFIX = '/bench-raw';

const load: Record<string, [number, number, number]> = { start: loadAverage() };
const referencePath = referenceBinary();
const { 'validator-wasm': schemaEngineFile } = await ensureBinaries(['validator-wasm']);
// Read now: the commit measured is the one checked out when the run starts.
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
if (!options.fromSource) log('compiling Cairn as the image does (tsc -p tsconfig.build.json)');
const cairnMain = options.fromSource ? undefined : buildCairn();
const cp = await startControlPlane({ members: options.members === 1 ? 1 : 3, log });
const kube = new RawKube(cp.info.kubeconfig);
const etcd = new Etcd3({ hosts: [...cp.info.storeEndpoints], grpcOptions: { 'grpc.max_receive_message_length': -1 } });
const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
let failed = false;
try {
  await installCrds(cp.info);
  // The fast path as shipped: the apiserver adds the finalizer at CREATE (floors and both operators alike).
  await installAdmissionPolicy(cp.info);
  for (const ns of ['bench-floor', 'bench-floor-go', 'bench-raw', CAIRN.namespace, REFERENCE.namespace, READER.namespace, DECLARED.namespace]) await kube.send('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const fencePut = await etcd.put(`${RAW_PREFIX}/fence`).value('bench').exec();
  const parts = { kube, etcd, fence: { key: `${RAW_PREFIX}/fence`, revision: fencePut.header.revision }, prefix: RAW_PREFIX };

  load.floor = loadAverage();
  log(`floor (Go probe: client-go + clientv3): ${options.latencySamples} sequential creates, transactions and status patches`);
  const goFloor = measureGoFloor({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, namespace: 'bench-floor-go', prefix: RAW_PREFIX, fenceRevision: parts.fence.revision, warmup: WARMUP, samples: options.latencySamples, dir });
  log(`floor (Node: undici + etcd3): ${options.latencySamples} sequential creates, transactions and status patches`);
  const nodeFloor = await measureFloorLatency(parts, 'bench-floor', options.latencySamples);

  log(`schema admission policy: ${options.latencySamples} dry-run creates with and as many without it bound, interleaved`);
  const admission = await measureAdmissionCost(kube, options.latencySamples);

  log(`raw pipeline: ${total} objects, ${options.concurrency} workers`);
  let rawSeconds = 0;
  for (let done = 0, c = 0; c < checkpoints.length; c++) {
    const count = (checkpoints[c] as number) - done;
    rawSeconds += await measureRawPipeline(parts, 'bench-raw', count, options.creators, options.concurrency, done);
    done += count;
  }

  const settings = { latencySamples: options.latencySamples, rate: options.rate, creators: options.creators, checkpoints, log };
  const common = (ns: { namespace: string; prefix: string }): string[] => [`--watch-namespace=${ns.namespace}`, `--prefix=${ns.prefix}`, `--concurrency=${options.concurrency}`];

  load.reference = loadAverage();
  const reference = await runOperator(
    { label: 'Go reference', ...REFERENCE, start: () => startReferenceProcess({ binary: referencePath, kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args: common(REFERENCE) }) },
    kube,
    etcd,
    settings,
  );

  load.cairn = loadAverage();
  let starts = 0;
  const cairn = await runOperator(
    {
      label: 'Cairn',
      ...CAIRN,
      // Profiled on its first start only: the restart is measured as it runs in production.
      start: () => {
        const profile = options.profile && starts++ === 0 ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.profile)}`] : [];
        // Without the schema engine: the reference has none (it validates database@v1 natively).
        const args = [...common(CAIRN), '--no-leader-elect', '--log-level=warn', '--schema-engine-file='];
        return startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args, nodeArgs: ['--expose-gc', ...profile], ...(cairnMain ? { main: cairnMain } : {}) });
      },
      heap: async (operator) => (await (await fetch(`${operator.metricsUrl}/debug/heap`)).json()) as NodeJS.MemoryUsage,
    },
    kube,
    etcd,
    settings,
  );

  load.reader = loadAverage();
  log(`reader: apply -> a cairn/client watch yields the typed value, ${options.latencySamples} creates at ${options.rate}/s (after ${WARMUP} not counted), Cairn on its own namespace and prefix`);
  const reader = await measureReader(
    () => startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args: [...common(READER), '--no-leader-elect', '--log-level=warn'], ...(cairnMain ? { main: cairnMain } : {}) }),
    kube,
    etcd,
    { endpoints: cp.info.storeEndpoints, ...READER },
    { samples: options.latencySamples, rate: options.rate },
  );
  if (reader.wrong.length > 0) {
    failed = true;
    console.error(`[bench] WRONG RESULTS (reader): the watch yielded ${reader.wrong.length} values other than applied, e.g. ${reader.wrong.slice(0, 5).join(', ')}`);
  }
  load.declared = loadAverage();
  log(`declared vs embedded schema: apply -> Ready of ${options.latencySamples} entries of each, interleaved at ${options.rate}/s, Cairn with its schema engine on its own namespace and prefix`);
  const declared = await measureDeclaredVsEmbedded(
    () => startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args: [...common(DECLARED), '--no-leader-elect', '--log-level=warn', `--schema-engine-file=${schemaEngineFile ?? ''}`], ...(cairnMain ? { main: cairnMain } : {}) }),
    kube,
    etcd,
    DECLARED,
    { samples: options.latencySamples, rate: options.rate },
  );
  if (declared.wrong.length > 0) {
    failed = true;
    console.error(`[bench] WRONG RESULTS (declared vs embedded): ${declared.wrong.length} entries not Ready or not as zod stores them, e.g. ${declared.wrong.slice(0, 5).join(', ')}`);
  }
  // The reader's floor: create -> watch event + etcd txn (the Go probe's, as every ratio divides by)
  // + etcd watch event (timed in the Node floor: the Go probe does not watch etcd).
  const readerFloor = (f: typeof goFloor) => ({ p50: f.create.p50 + f.txn.p50 + nodeFloor.etcdWatch.p50, p99: f.create.p99 + f.txn.p99 + nodeFloor.etcdWatch.p99 });
  const readerFloorGo = readerFloor(goFloor);
  const readerFloorNode = readerFloor(nodeFloor);
  load.end = loadAverage();

  for (const [who, figures] of [['Go reference', reference], ['Cairn', cairn]] as const) {
    if (figures.wrong.length === 0) continue;
    failed = true;
    console.error(`[bench] WRONG RESULTS (${who}): ${figures.wrong.length} entries not Ready or not as applied in etcd, e.g. ${figures.wrong.slice(0, 5).join(', ')}`);
  }

  // The raw re-read, measured both ways: as a fresh process with the fastest Node clients (what a
  // restart of anything in Node costs: Node and its client libraries load first), and in this process.
  const rawProcessSeconds = rawReadAsProcess(cp.info.kubeconfig, cp.info.storeEndpoints, entriesPath(CAIRN.namespace), `${CAIRN.prefix}/`);
  const t0 = performance.now();
  await kube.send('GET', entriesPath(CAIRN.namespace));
  await etcd.getAll().prefix(`${CAIRN.prefix}/`).strings();
  const rawReconfirmSeconds = (performance.now() - t0) / 1000;

  // What one entry weighs: as the apiserver serves it, and as the operator caches it.
  const sample = (await kube.send('GET', `${entriesPath(CAIRN.namespace)}/bulk-0`)) as object;
  const jsonBytes = Buffer.byteLength(JSON.stringify(sample));
  const cachedBytes = Buffer.byteLength(JSON.stringify(trimForCache(structuredClone(sample))));
  // Bytes per entry: the slope of heap against entries (least squares over every point), so neither
  // fixed costs nor one noisy measurement decide it.
  const heapBytesPerEntry = round(slope(cairn.heapPoints), 0);
  const rawThroughput = total / rawSeconds;
  const floorOf = (f: typeof goFloor) => ({ createToWatchMs: f.create, txnMs: f.txn, statusPatchToWatchMs: f.statusPatch, p50Ms: round(f.p50), p99Ms: round(f.p99) });
  const figuresOf = ({ metricsText: _m, wrong: _w, heapPoints: _h, ...figures }: RunFigures) => figures;

  const results: Results = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), kernel: release(), node: process.version },
    conditions: { loadAverage: load, order: ['floor (Go)', 'floor (Node)', 'admission', 'raw pipeline', 'Go reference', 'Cairn', 'reader', 'declared vs embedded'], cairnRunsFrom: options.fromSource ? 'src/main.ts' : 'compiled (tsc -p tsconfig.build.json)' },
    versions: { cairn: commit, kubernetes: KUBERNETES_VERSION, etcd: ETCD_VERSION, node: process.version, storeMembers: options.members },
    settings: { entries: total, latencySamples: options.latencySamples, ratePerSecond: options.rate, concurrency: options.concurrency, creators: options.creators },
    floor: {
      go: floorOf(goFloor),
      node: { ...floorOf(nodeFloor), etcdWatchEventMs: nodeFloor.etcdWatch },
      reader: { p50Ms: round(readerFloorGo.p50), p99Ms: round(readerFloorGo.p99), nodeP50Ms: round(readerFloorNode.p50), nodeP99Ms: round(readerFloorNode.p99) },
      rawPipelineEntriesPerSecond: round(rawThroughput),
    },
    cairn: figuresOf(cairn),
    reference: figuresOf(reference),
    reader: { applyToReaderMs: reader.applyToReaderMs, applyToEtcdWatchMs: reader.applyToEtcdWatchMs },
    ratios: {
      applyReadyP50: round(cairn.applyReadyMs.p50 / goFloor.p50),
      applyReadyP99: round(cairn.applyReadyMs.p99 / goFloor.p99),
      updateReadyP50: round(cairn.updateReadyMs.p50 / goFloor.p50),
      bulkThroughput: round(cairn.bulkEntriesPerSecond / rawThroughput),
      applyToReaderP50: round(reader.applyToReaderMs.p50 / readerFloorGo.p50),
      applyToReaderP99: round(reader.applyToReaderMs.p99 / readerFloorGo.p99),
      vsNodeFloor: {
        applyReadyP50: round(cairn.applyReadyMs.p50 / nodeFloor.p50),
        applyReadyP99: round(cairn.applyReadyMs.p99 / nodeFloor.p99),
        applyToReaderP50: round(reader.applyToReaderMs.p50 / readerFloorNode.p50),
        applyToReaderP99: round(reader.applyToReaderMs.p99 / readerFloorNode.p99),
      },
      referenceVsGoFloor: { applyReadyP50: round(reference.applyReadyMs.p50 / goFloor.p50), applyReadyP99: round(reference.applyReadyMs.p99 / goFloor.p99) },
      vsGo: {
        applyReadyP50: round(cairn.applyReadyMs.p50 / reference.applyReadyMs.p50),
        applyReadyP99: round(cairn.applyReadyMs.p99 / reference.applyReadyMs.p99),
        bulk: round(cairn.bulkEntriesPerSecond / reference.bulkEntriesPerSecond),
        cpuPerReconcile: round(cairn.cpuSecondsPer1000Reconciles / reference.cpuSecondsPer1000Reconciles),
        rss: round(cairn.rssBytesAfterBulk / reference.rssBytesAfterBulk),
        restart: round(cairn.restart.seconds / reference.restart.seconds),
        startup: round(cairn.restart.readySeconds / reference.restart.readySeconds),
      },
    },
    memory: { heapBytesPerEntry, heapBytesAt: Object.fromEntries(cairn.heapPoints.map((p) => [p.entries, p.heap])), jsonBytesPerEntry: jsonBytes, cachedJsonBytesPerEntry: cachedBytes, heapToJsonRatio: round(heapBytesPerEntry / jsonBytes) },
    restart: { ...cairn.restart, rawProcessSeconds: round(rawProcessSeconds, 3), rawInProcessSeconds: round(rawReconfirmSeconds, 3), ratio: round(cairn.restart.seconds / rawProcessSeconds) },
    schemas: {
      admissionCreateRatio: admission.admissionCreateRatio,
      admissionCreateMs: { withoutPolicy: admission.withoutPolicyMs, withPolicy: admission.withPolicyMs },
      declaredVsEmbeddedP50: declared.declaredVsEmbeddedP50,
      applyReadyMs: { embedded: declared.embeddedMs, declared: declared.declaredMs },
    },
    stages: stageFigures(cairn.metricsText),
    referenceStages: stageFigures(reference.metricsText, 'controller_runtime_reconcile_time_seconds', 'controller'),
    wrongResults: cairn.wrong.length + reference.wrong.length + reader.wrong.length + declared.wrong.length,
  };
  const out = resolve('bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, `${results.when.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${formatTable(results)}\n\nwritten to bench/results/latest.json`);
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
