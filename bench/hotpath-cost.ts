/**
 * `npx node bench/hotpath-cost.ts [--ref main] [--rounds 2] [--samples 200] [--bulk 500] [--profile DIR] [--flags F] [--tail]`:
 * the operator's hot path, before and after a change, on one control plane: Cairn compiled from a
 * git ref (`--ref`, the "before") and from this checkout (the "after"), run in turns (ABAB…) on
 * namespaces and prefixes of their own, each through the same workload: apply → Ready and apply →
 * its commit on a plain etcd watch (open loop), a bulk create, an update churn. Printed per run with
 * the load average, then the medians per build: process CPU seconds per 1,000 reconciles (robust to
 * load) and latencies (not robust: read them with the load average). Nothing asserted.
 *
 * `--flags '--a --b'` (repeatable) adds an arm: the after build run with those extra Node/V8 flags;
 * `--reference` an arm of the Go reference operator (its figures from Node's side are absent). `--tail`: what the
 * apply → Ready tail is made of, from inside the processes (bench/tail-probe.ts).
 *
 * Without `--ref` only this checkout runs (e.g. with `--profile DIR`: node --cpu-prof of every run).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { startOperatorProcess } from '../tools/controlplane/operator-process.ts';
import { buildCairn } from './build-cairn.ts';
import { referenceBinary, startReferenceProcess } from './reference-process.ts';
import { bulkCreate, updateChurn } from './cairn.ts';
import { cpuSeconds, loadAverage } from './process-stats.ts';
import { RawKube } from './raw-kube.ts';
import { openLoop, round, summarize, type Summary } from './stats.ts';
import { TailProbe } from './tail-probe.ts';
import { WatchTracker } from './watch-tracker.ts';
import { dataFor, entriesPath, entryBody } from './workload.ts';

const options = new Command('hotpath-cost')
  .option('--ref <ref>', 'the "before" build: Cairn compiled from this git ref')
  .option('--after <ref>', 'the "after" build from this git ref instead of this checkout')
  .option('--rounds <n>', 'runs of each build, in turns', (v) => Number(v), 2)
  .option('--samples <n>', 'creates in apply -> Ready (and updates in the churn)', (v) => Number(v), 200)
  .option('--rate <n>', 'arrivals per second (open loop)', (v) => Number(v), 20)
  .option('--bulk <n>', 'entries created by 32 clients', (v) => Number(v), 500)
  .option('--members <n>', 'etcd store members (1 or 3)', (v) => Number(v), 3)
  .option('--engine <file>', 'run Cairn with this schema engine (validator.wasm); default none, as the benchmark does')
  .option('--profile <dir>', 'node --cpu-prof of every run, into DIR/<build>-<round>')
  .option('--flags <flags>', 'a further arm: the after build with these extra Node/V8 flags (space-separated), in turns with the others; repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--reference [binary]', 'a further arm: the Go reference operator (tools/go/bench/reference; default the built bench-reference), in turns with the others')
  .option('--tail', "what the apply -> Ready tail is made of, from inside the processes (bench/tail-probe.ts): event-loop delay, GC pauses, stages, the slowest samples' legs")
  .option('--resync <seconds>', "the operator's --resync-seconds; after the workload, the CPU of one periodic resync of every entry is measured too", (v) => Number(v))
  .parse()
  .opts<{ ref?: string; after?: string; rounds: number; samples: number; rate: number; bulk: number; members: number; engine?: string; profile?: string; flags: string[]; reference?: string | true; tail?: boolean; resync?: number }>();

const ROOT = resolve(import.meta.dirname, '..');
const log = (line: string): void => console.log(`[hotpath] ${line}`);

/** Compiles `ref`'s src/ (git archive) into .cairn/hotpath/<ref>/dist, node_modules shared with this checkout. */
function buildRef(ref: string): string {
  const dir = join(ROOT, '.cairn', 'hotpath', ref.replace(/[^A-Za-z0-9._-]/g, '_'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${ROOT}" archive "${ref}" src tsconfig.json tsconfig.build.json package.json | tar -x -C "${dir}"`]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: dir, stdio: 'inherit' });
  return join(dir, 'dist', 'main.js');
}

interface Run {
  readonly build: string;
  readonly cpuPer1000: number;
  readonly reconciles: number;
  readonly applyReady: Summary;
  readonly applyCommit: Summary;
  readonly updateReady: Summary;
  readonly bulkPerSecond: number;
  /** CPU seconds per 1,000 reconciles of one periodic resync (with --resync). */
  readonly resyncCpuPer1000?: number;
  readonly load: readonly number[];
}

/** An arm: Cairn's compiled main (with extra Node flags), or the Go reference's binary (`go`). */
const builds: { name: string; main: string; nodeArgs?: readonly string[]; go?: boolean }[] = [];
if (options.ref !== undefined) builds.push({ name: `before (${options.ref})`, main: buildRef(options.ref) });
builds.push(options.after === undefined ? { name: 'after (this checkout)', main: buildCairn() } : { name: `after (${options.after})`, main: buildRef(options.after) });
const after = builds.at(-1) as { name: string; main: string };
for (const flags of options.flags) builds.push({ name: `${after.name} ${flags}`, main: after.main, nodeArgs: flags.split(' ').filter((f) => f !== '') });
if (options.reference !== undefined) builds.push({ name: 'Go reference', main: options.reference === true ? referenceBinary() : options.reference, go: true });

const cp = await startControlPlane({ members: options.members === 1 ? 1 : 3, log });
const kube = new RawKube(cp.info.kubeconfig);
const etcd = new Etcd3({ hosts: [...cp.info.storeEndpoints] });
const dir = mkdtempSync(join(tmpdir(), 'cairn-hotpath-'));
const controlPlaneMetrics = {
  apiserver: () => kube.sendText('GET', '/metrics'),
  storeMembers: cp.info.storeEndpoints.map((e) => async () => (await fetch(`${e}/metrics`)).text()),
};
const runs: Run[] = [];
try {
  await installCrds(cp.info);
  await installAdmissionPolicy(cp.info);
  for (let pass = 0; pass < options.rounds; pass++) {
    for (const [b, build] of builds.entries()) {
      const namespace = `hp-${b}-${pass}`;
      const prefix = `/hp-${b}-${pass}`;
      await kube.send('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
      const profile = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.profile, `${b}-${pass}`)}`] : [];
      const stallFile = join(dir, `stalls-${b}-${pass}.json`);
      const stallProbe = options.tail ? TailProbe.nodeArgs(stallFile) : [];
      const args = [`--watch-namespace=${namespace}`, `--prefix=${prefix}`, '--concurrency=8', '--no-leader-elect', '--log-level=warn', `--schema-engine-file=${options.engine ?? ''}`, ...(options.resync ? [`--resync-seconds=${options.resync}`] : [])];
      const load = loadAverage();
      const spawnedAt = performance.now();
      let probe: TailProbe | undefined;
      const operator = build.go
        ? await startReferenceProcess({ binary: build.main, kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args: [`--watch-namespace=${namespace}`, `--prefix=${prefix}`, '--concurrency=8'] })
        : await startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args, nodeArgs: [...(build.nodeArgs ?? []), ...profile, ...stallProbe], main: build.main });
      const tracker = await WatchTracker.start(kube, namespace);
      const dataPrefix = `${prefix}/data/${namespace}/`;
      const committed = new Map<string, (at: number) => void>();
      const plain = await etcd.watch().prefix(dataPrefix).create();
      plain.on('put', (kv) => committed.get(kv.key.toString().slice(dataPrefix.length))?.(performance.now()));
      try {
        const reconciles = async (): Promise<number> =>
          (await operator.metrics()).split('\n').filter((l) => l.startsWith('controller_runtime_reconcile_total{controller="configentry",')).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        const cpu0 = cpuSeconds(operator.process.pid);
        const reconciles0 = await reconciles();
        const applyRuns = async (names: readonly string[], first: number): Promise<{ ready: number[]; commit: number[] }> => {
          const ready: number[] = [];
          const commit: number[] = [];
          await openLoop(names.length, options.rate, async (k) => {
            const name = names[k] as string;
            const readyAt = tracker.whenReady(name, 1);
            const commitAt = new Promise<number>((r) => committed.set(name, r));
            const t0 = performance.now();
            await kube.send('POST', entriesPath(namespace), entryBody(namespace, name, dataFor(first + k)));
            ready[k] = (await readyAt) - t0; // by arrival: --tail says when in the window a slow sample arrived
            commit[k] = (await commitAt) - t0;
          });
          return { ready, commit };
        };
        await applyRuns(Array.from({ length: 20 }, (_, i) => `warm-${i}`), 200_000);
        probe = options.tail ? new TailProbe(operator.process.pid as number) : undefined;
        const controlPlane = probe ? await TailProbe.scrapeControlPlane(controlPlaneMetrics) : undefined;
        probe?.start(await operator.metrics());
        const latency = await applyRuns(Array.from({ length: options.samples }, (_, i) => `lat-${i}`), 100_000);
        if (probe && controlPlane) {
          const lines = probe.finish(await operator.metrics(), latency.ready, latency.commit, options.rate);
          lines.push(...TailProbe.controlPlaneLines(controlPlane, await TailProbe.scrapeControlPlane(controlPlaneMetrics)));
          for (const line of lines) log(`${build.name} round ${pass} tail: ${line}`);
        }
        const bulkNames = Array.from({ length: options.bulk }, (_, i) => `bulk-${i}`);
        const bulkSeconds = await bulkCreate(kube, tracker, namespace, bulkNames, 32, 0);
        const churn = bulkNames.slice(0, Math.min(options.samples, bulkNames.length));
        const updateReady = await updateChurn(kube, tracker, namespace, churn, (n) => Number(n.slice(5)), options.rate);
        const cpu = cpuSeconds(operator.process.pid) - cpu0;
        const count = (await reconciles()) - reconciles0;
        let resyncCpuPer1000: number | undefined;
        if (options.resync) {
          // One periodic resync (due 0.9-1.1 x the period after start): CPU over a window that surely
          // holds it, less the idle CPU of as long a window after it, per reconcile it ran. Read only
          // at the window's ends: scraping /metrics often would cost the operator more than the resync.
          const cpuA = cpuSeconds(operator.process.pid);
          const reconcilesA = await reconciles();
          const windowEnd = spawnedAt + options.resync * 1100 + 20_000;
          const windowMs = windowEnd - performance.now();
          await new Promise((r) => setTimeout(r, windowMs));
          const cpuB = cpuSeconds(operator.process.pid);
          const resynced = (await reconciles()) - reconcilesA;
          await new Promise((r) => setTimeout(r, 20_000));
          const idlePerMs = (cpuSeconds(operator.process.pid) - cpuB) / 20_000;
          resyncCpuPer1000 = round(((cpuB - cpuA - idlePerMs * windowMs) / resynced) * 1000, 3);
        }
        const run: Run = {
          build: build.name,
          cpuPer1000: round((cpu / count) * 1000, 3),
          reconciles: count,
          applyReady: summarize(latency.ready),
          applyCommit: summarize(latency.commit),
          updateReady: summarize(updateReady),
          bulkPerSecond: round(options.bulk / bulkSeconds),
          ...(resyncCpuPer1000 === undefined ? {} : { resyncCpuPer1000 }),
          load,
        };
        runs.push(run);
        log(`${run.build} round ${pass}: CPU ${run.cpuPer1000} s / 1,000 reconciles (${round(cpu, 2)} s / ${count}); apply → commit p50 ${round(run.applyCommit.p50)} ms, apply → Ready p50 ${round(run.applyReady.p50)} p99 ${round(run.applyReady.p99)} ms; update → Ready p50 ${round(run.updateReady.p50)} ms; bulk ${run.bulkPerSecond}/s${run.resyncCpuPer1000 === undefined ? '' : `; resync CPU ${run.resyncCpuPer1000} s / 1,000 reconciles`}; load before ${load.join('/')}`);
      } finally {
        await plain.cancel();
        tracker.close();
        await operator.stop();
      }
      if (probe && !build.go) for (const line of probe.stallLines(stallFile)) log(`${build.name} round ${pass} tail: ${line}`);
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  };
  log(`medians over ${options.rounds} rounds (${options.samples} creates at ${options.rate}/s, bulk ${options.bulk}, ${options.samples} updates; engine ${options.engine ? 'on' : 'off'}; ${options.members} members):`);
  for (const build of builds) {
    const mine = runs.filter((r) => r.build === build.name);
    log(
      `  ${build.name}: CPU ${round(median(mine.map((r) => r.cpuPer1000)), 3)} s / 1,000 reconciles; apply → commit p50 ${round(median(mine.map((r) => r.applyCommit.p50)))} ms; apply → Ready p50 ${round(median(mine.map((r) => r.applyReady.p50)))} ms p99 ${round(median(mine.map((r) => r.applyReady.p99)))} ms; update → Ready p50 ${round(median(mine.map((r) => r.updateReady.p50)))} ms; bulk ${round(median(mine.map((r) => r.bulkPerSecond)))}/s${options.resync ? `; resync CPU ${round(median(mine.map((r) => r.resyncCpuPer1000 ?? Number.NaN)), 3)} s / 1,000 reconciles` : ''}`,
    );
  }
  log(`load average at the end: ${loadAverage().join('/')}`);
} finally {
  etcd.close();
  await kube.close();
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
}
