/**
 * `npx node bench/reader-ab.ts --before REF [--rounds N] [--samples N] [--rate N] [--members 1|3]`:
 * the reader's headline (apply -> a cairn/client watch yields the typed value, bench/reader.ts) for
 * two clients in turns on one control plane and one operator: the client of REF (its src/ extracted
 * under .cairn/, so it resolves this checkout's node_modules) and this checkout's. Each round runs
 * both arms, in alternating order, `samples` creates each (after WARMUP not counted per arm); the
 * floor (create -> watch event + etcd txn + etcd watch event, as reader-latency.ts) is measured once.
 * Printed: per arm p50/p90/p99 over every round and per round, the ratio to the floor, the Range
 * requests etcd's members answered during the arm (by their own gRPC counter), and the load average
 * around each block. With `--direct`, no apiserver nor operator: the commits are written straight to
 * etcd as the operator writes them (data and meta in one transaction) and the latency is from the
 * transaction's answer to the watch yielding the value: the client's part alone. Nothing asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import type { Client, ClientOptions } from '../src/client/index.ts';
import { createClient, database, type Database } from '../src/client/index.ts';
import { sha256 } from '../src/domain/canonical.ts';
import { serializeStoredMeta } from '../src/domain/stored-meta.ts';
import { resolveBinary } from '../tools/binaries/resolve.ts';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { startOperatorProcess } from '../tools/controlplane/operator-process.ts';
import { WARMUP, measureFloorLatency } from './floor.ts';
import { measureGoFloor } from './floor-go.ts';
import { loadAverage } from './process-stats.ts';
import { RawKube } from './raw-kube.ts';
import { applyToReader } from './reader.ts';
import { openLoop, round, summarize, type Summary } from './stats.ts';
import { canonicalOf, dataFor, SCHEMA } from './workload.ts';

const options = new Command('reader-ab')
  .requiredOption('--before <ref>', 'the git ref whose client is arm A')
  .option('--rounds <n>', 'rounds, each running both arms', (v) => Number(v), 4)
  .option('--samples <n>', 'creates measured per arm and round', (v) => Number(v), 100)
  .option('--rate <n>', 'arrivals per second (open loop)', (v) => Number(v), 20)
  .option('--members <n>', 'etcd store members (1 or 3)', (v) => Number(v), 3)
  .option('--direct', 'commit straight to etcd (no apiserver, no operator): the client alone')
  .parse()
  .opts<{ before: string; rounds: number; samples: number; rate: number; members: number; direct?: boolean }>();

const ROOT = join(import.meta.dirname, '..');
const log = (line: string): void => console.log(`[reader-ab] ${line}`);

/** The client module of `ref`: its src/ extracted under .cairn/ (ignored by git). */
async function clientAt(ref: string): Promise<{ sha: string; createClient: (options: ClientOptions) => Client }> {
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = join(ROOT, '.cairn', 'bench-before', sha);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${sha} src | tar -x -C ${dir}`], { cwd: ROOT });
  const module = (await import(join(dir, 'src', 'client', 'index.ts'))) as { createClient: (options: ClientOptions) => Client };
  return { sha, createClient: module.createClient };
}

/** Commits of `names` written to etcd as the operator writes them, at `perSecond`: txn answered -> the watch yields the value (ms). */
async function directToReader(etcd: Etcd3, client: Client, prefix: string, namespace: string, names: readonly string[], perSecond: number, first: number): Promise<{ latencies: number[]; wrong: string[] }> {
  const waiters = new Map<string, (yielded: { at: number; host: string }) => void>();
  const watch = client.watch<Database>(namespace, { schema: database });
  let started: () => void = () => undefined;
  const initial = new Promise<void>((resolve) => (started = resolve));
  const consumed = (async () => {
    for await (const change of watch) {
      if (change.type === 'put') waiters.get(change.entry.key)?.({ at: performance.now(), host: change.entry.value.host });
      if (change.type === 'resync') started();
    }
  })();
  await initial;
  const latencies: number[] = [];
  const wrong: string[] = [];
  try {
    await openLoop(names.length, perSecond, async (k) => {
      const name = names[k] as string;
      const yielded = new Promise<{ at: number; host: string }>((resolve) => waiters.set(name, resolve));
      const data = dataFor(first + k);
      const value = canonicalOf(data);
      const meta = serializeStoredMeta({ schema: SCHEMA, uid: name, namespace, name, generation: 1, dataHash: sha256(value), committedAt: new Date().toISOString(), fence: '1' });
      const put = (key: string, text: string) => ({ request_put: { key: Buffer.from(key), value: Buffer.from(text) } });
      await etcd.kv.txn({ compare: [], success: [put(`${prefix}/data/${namespace}/${name}`, value), put(`${prefix}/meta/${namespace}/${name}`, meta)], failure: [] });
      const t0 = performance.now();
      const { at, host } = await yielded;
      latencies.push(at - t0);
      if (host !== data.host) wrong.push(name);
    });
  } finally {
    await watch.close();
    await consumed;
  }
  return { latencies, wrong };
}

/** Range requests answered by the members, by etcd's own counter (grpc_server_handled_total). */
async function rangesServed(endpoints: readonly string[]): Promise<number> {
  let sum = 0;
  for (const endpoint of endpoints) {
    const text = await (await fetch(`${endpoint}/metrics`)).text();
    for (const line of text.split('\n')) if (line.startsWith('grpc_server_handled_total{') && line.includes('grpc_method="Range"')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const before = await clientAt(options.before);
const arms = [
  { name: `A (${before.sha})`, createClient: before.createClient },
  { name: 'B (this checkout)', createClient },
];
const cp = await startControlPlane({ members: options.members === 1 ? 1 : 3, log });
const kube = new RawKube(cp.info.kubeconfig);
const etcd = new Etcd3({ hosts: [...cp.info.storeEndpoints] });
const dir = mkdtempSync(join(tmpdir(), 'cairn-reader-ab-'));
const p = (s: Summary): string => `p50 ${round(s.p50)} ms, p90 ${round(s.p90)} ms, p99 ${round(s.p99)} ms (n=${s.n})`;
try {
  await installCrds(cp.info);
  await installAdmissionPolicy(cp.info);
  for (const ns of ['bench-floor', 'bench-floor-go', 'bench-reader']) await kube.send('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const fence = await etcd.put('/bench-raw/fence').value('bench').exec();
  log(`floors, load ${loadAverage().join('/')}`);
  const goFloor = options.direct || resolveBinary('bench-probe') === undefined ? undefined : measureGoFloor({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, namespace: 'bench-floor-go', prefix: '/bench-raw', fenceRevision: fence.header.revision, warmup: WARMUP, samples: 200, dir });
  const nodeFloor = options.direct ? undefined : await measureFloorLatency({ kube, etcd, fence: { key: '/bench-raw/fence', revision: fence.header.revision }, prefix: '/bench-raw' }, 'bench-floor', 200);
  const base = goFloor ?? nodeFloor;
  const floor = base === undefined || nodeFloor === undefined ? undefined : { p50: base.create.p50 + base.txn.p50 + nodeFloor.etcdWatch.p50, p99: base.create.p99 + base.txn.p99 + nodeFloor.etcdWatch.p99 };

  const target = { namespace: 'bench-reader', prefix: '/bench-reader' };
  const args = [`--watch-namespace=${target.namespace}`, `--prefix=${target.prefix}`, '--no-leader-elect', '--log-level=warn'];
  const operator = options.direct ? undefined : await startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args });
  const plain = { etcd, prefix: `${target.prefix}/data/${target.namespace}/` };
  const latencies = arms.map(() => [] as number[]);
  const ranges = arms.map(() => ({ ranges: 0, puts: 0 }));
  const perRound: string[] = [];
  let first = 100_000;
  try {
    for (let r = -1; r < options.rounds; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const p50s: string[] = [];
      for (const a of order) {
        const arm = arms[a] as (typeof arms)[number];
        const count = r < 0 ? WARMUP : options.samples;
        const names = Array.from({ length: count }, (_, i) => `ab-${r + 1}-${a}-${i}`);
        const client = arm.createClient({ endpoints: cp.info.storeEndpoints, prefix: target.prefix });
        const load = loadAverage().join('/');
        const rangesBefore = await rangesServed(cp.info.storeEndpoints);
        try {
          const run = options.direct
            ? await directToReader(etcd, client, target.prefix, target.namespace, names, options.rate, first)
            : await applyToReader(kube, client, plain, target.namespace, names, options.rate, first);
          first += count;
          if (run.wrong.length > 0) console.error(`[reader-ab] WRONG RESULTS (${arm.name}): ${run.wrong.slice(0, 5).join(', ')}`);
          if (r < 0) continue; // warm-up: not counted
          const block = ranges[a] as { ranges: number; puts: number };
          block.ranges += (await rangesServed(cp.info.storeEndpoints)) - rangesBefore;
          block.puts += count;
          (latencies[a] as number[]).push(...run.latencies);
          p50s.push(`${arm.name} p50 ${round(summarize(run.latencies).p50)} ms (load before ${load})`);
        } finally {
          await client.close();
        }
      }
      if (r >= 0) perRound.push(`round ${r + 1}: ${p50s.join('; ')}`);
    }
  } finally {
    await operator?.stop();
  }
  if (floor === undefined) console.log('direct: commits written straight to etcd; latency from the txn answered to the watch yielding the value (the client alone)');
  else console.log(`floor (${goFloor ? 'Go' : 'Node'} create + txn, + etcd watch event): p50 ${round(floor.p50)} ms, p99 ${round(floor.p99)} ms`);
  for (const line of perRound) console.log(line);
  const summaries = latencies.map((l) => summarize(l));
  arms.forEach((arm, a) => {
    const s = summaries[a] as Summary;
    const block = ranges[a] as { ranges: number; puts: number };
    console.log(`${arm.name}: ${p(s)}; ${floor === undefined ? '' : `applyToReaderP50 ${round(s.p50 / floor.p50)}, P99 ${round(s.p99 / floor.p99)}; `}Range requests answered by etcd per create: ${round(block.ranges / block.puts)}`);
  });
  console.log(`B/A: p50 ${round((summaries[1] as Summary).p50 / (summaries[0] as Summary).p50)}, p99 ${round((summaries[1] as Summary).p99 / (summaries[0] as Summary).p99)}; load at the end ${loadAverage().join('/')}`);
} finally {
  etcd.close();
  await kube.close();
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
}
