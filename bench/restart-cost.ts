/**
 * `npx node bench/restart-cost.ts [--entries N] [--rounds R] [--restarts K] [--profile DIR] [--variant 'LABEL=NODE FLAGS'] [--variant 'LABEL@MAIN=FLAGS']`:
 * what Cairn's start-up, restart and resident memory cost, variant against variant, interleaved
 * round by round on one control plane (issue 13's memory, start-up and restart figures, measured
 * per change). Each variant runs its own namespace and prefix per round:
 *
 *   first start (nothing held): spawn -> /readyz, resident memory, heap after a forced GC by space
 *   apply -> Ready of a few entries at 20/s (latency cost of a flag), then a bulk of N entries by 32
 *   clients: entries/s, process CPU per 1,000 reconciles, resident memory after bulk (read before the
 *   forced GC, as npm run bench reads it), where it is (/proc/<pid>/smaps by mapping), the V8 heap by space,
 *   heap bytes per entry held (heap after a forced GC at start, after the samples and after the bulk: their
 *   least-squares slope as npm run bench takes it, which counts the first reconciles' warm-up, and the
 *   bulk's alone)
 *   restart over the N entries, K times (`--restarts`, default 1: more samples of the restart for
 *   one bulk): spawn -> ready, spawn -> every entry re-confirmed, the process's CPU by then (less
 *   sensitive than the times to a loaded machine), etcd writes; with `--profile DIR`
 *   each restart runs under `node --cpu-prof` into DIR/<label>-<round>-<restart> (bench/profile-summary.ts reads them)
 *
 * `--restarts-only K`: instead, one namespace bulk-created once (by the first variant), then K turns in
 * which every variant restarts over the same entries in turn (the order alternating): many paired
 * samples of spawn -> every entry re-confirmed for little time, what to read on a loaded machine.
 *
 * A variant is Node flags instead of the operator's own (OPERATOR_NODE_FLAGS; `semi4=--max-semi-space-size=4`,
 * `none=` for no flags, a label alone keeps the operator's own), environment variables for it among
 * them (`arena2=MALLOC_ARENA_MAX=2`: a word NAME=value whose NAME is upper case; with no flag beside
 * it the operator's own flags are kept), and optionally another compiled main
 * (`before@/path/main.js=`): the operator as built at another commit. Every variant gets
 * `--expose-gc` (for /debug/heap), as npm run bench does. Medians over rounds; the load average is
 * printed before each round. Nothing asserted.
 *
 * `--heap-snapshots DIR`: V8 heap snapshots of each variant's operator after the apply -> Ready
 * samples and after the bulk, written to DIR as LABEL-ROUND-{latency,bulk}.heapsnapshot (taken
 * after every other reading of the round's phase; the operator is paused while one is written).
 * `npx node bench/heap-summary.ts A-0-bulk.heapsnapshot A-0-latency.heapsnapshot --per N` then
 * gives what is held per entry. Writing a snapshot leaves malloc'd memory behind in the operator:
 * resident memory read after one is not comparable.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { type OperatorProcess, startOperatorProcess } from '../tools/controlplane/operator-process.ts';
import { buildCairn } from './build-cairn.ts';
import { applyToReady, bulkCreate } from './cairn.ts';
import { cpuSeconds, loadAverage, residentBytes } from './process-stats.ts';
import { RawKube } from './raw-kube.ts';
import { round, slope, summarize, until } from './stats.ts';
import { WatchTracker } from './watch-tracker.ts';

const options = new Command('restart-cost')
  .option('--entries <n>', 'entries bulk-created, then re-confirmed at restart', (v) => Number(v), 2000)
  .option('--rounds <n>', 'rounds (each runs every variant once, in turn)', (v) => Number(v), 2)
  .option('--latency-samples <n>', 'apply -> Ready samples at 20/s before the bulk', (v) => Number(v), 100)
  .option('--members <n>', 'etcd store members', (v) => Number(v), 3)
  .option('--variant <spec>', "'LABEL', 'LABEL=NODE FLAGS' or 'LABEL@MAIN=NODE FLAGS' (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--restarts <n>', 'restarts over the entries after each bulk', (v) => Number(v), 1)
  .option('--restarts-only <k>', 'bulk once, then K turns of every variant restarting over the same entries', (v) => Number(v), 0)
  .option('--profile <dir>', 'node --cpu-prof of every restart, into DIR/<label>-<round>-<restart>')
  .option('--args <args>', 'extra operator arguments for every variant (space-separated)', '')
  .option('--heap-snapshots <dir>', 'write heap snapshots after the samples and after the bulk to DIR')
  .parse()
  .opts<{ entries: number; rounds: number; restarts: number; restartsOnly: number; profile?: string; latencySamples: number; members: number; variant: string[]; args: string; heapSnapshots?: string }>();

interface Variant {
  readonly label: string;
  readonly main: string;
  /** Node flags instead of the operator's own (OPERATOR_NODE_FLAGS); undefined keeps those. */
  readonly flags: string[] | undefined;
  /** Added to the operator's environment. */
  readonly env: Record<string, string>;
}

const MiB = 1024 * 1024;
const log = (line: string): void => console.log(`[restart-cost] ${line}`);
let built: string | undefined; // compiled once, only when a variant runs the checked-out source
const variants: Variant[] = (options.variant.length > 0 ? options.variant : ['current']).map((spec) => {
  const eq = spec.indexOf('=');
  const head = eq < 0 ? spec : spec.slice(0, eq);
  const [label, main] = head.split('@') as [string, string | undefined];
  const words = eq < 0 ? undefined : spec.slice(eq + 1).split(' ').filter((f) => f !== '');
  const isEnv = (word: string): boolean => /^[A-Z_][A-Z0-9_]*=/.test(word);
  const env = Object.fromEntries((words ?? []).filter(isEnv).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  const flags = words?.filter((w) => !isEnv(w));
  // Environment alone keeps the operator's own flags; `none=` (nothing at all) runs without any.
  return { label, main: main ?? (built ??= buildCairn()), flags: flags?.length === 0 && Object.keys(env).length > 0 ? undefined : flags, env };
});

/**
 * Resident memory by kind of mapping, from /proc/<pid>/smaps (MiB). A glibc thread arena is an
 * anonymous range aligned to 64 MiB, its used part read-write and the rest of the 64 MiB reserved
 * (---p) right after it; other anonymous memory is V8's heap and code, stacks and the rest.
 */
function residentByMapping(pid: number): Record<string, number> {
  const ARENA = 64 * MiB;
  const out: Record<string, number> = {};
  const lines = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  const headers = lines.map((line) => /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line));
  const next = (i: number): RegExpExecArray | null | undefined => headers.slice(i + 1).find((h) => h !== null);
  let kind = 'anonymous';
  lines.forEach((line, i) => {
    const header = headers[i];
    if (header) {
      const [, from, , , path] = header as unknown as [string, string, string, string, string];
      const start = parseInt(from, 16);
      const after = next(i);
      const isArena = path === '' && start % ARENA === 0 && after?.[3] === '---p' && after[4] === '' && parseInt(after[2] ?? '0', 16) === start + ARENA;
      kind = path === '' ? (isArena ? 'malloc thread arenas' : 'anonymous') : path === '[heap]' ? 'malloc heap' : path.startsWith('[') ? path : path.endsWith('/node') ? 'node binary' : 'other files';
      return;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]) / 1024;
  });
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v >= 0.05).map(([k, v]) => [k, round(v, 1)]));
}

type Heap = NodeJS.MemoryUsage & { spaces?: Record<string, { size: number; used: number; physical: number }> };

async function heap(operator: OperatorProcess): Promise<Heap> {
  return (await (await fetch(`${operator.metricsUrl}/debug/heap`)).json()) as Heap;
}

function heapLine(h: Heap): string {
  const spaces = Object.entries(h.spaces ?? {})
    .filter(([, s]) => s.size > 0)
    .map(([name, s]) => `${name.replace('_space', '')} ${round(s.size / MiB, 1)}/${round(s.used / MiB, 1)}`)
    .join(', ');
  return `heapTotal ${round(h.heapTotal / MiB, 1)} used ${round(h.heapUsed / MiB, 1)} external ${round(h.external / MiB, 1)}${spaces ? ` [size/used by space: ${spaces}]` : ''}`;
}

/**
 * Makes the operator write a heap snapshot (--heapsnapshot-signal) into `dir` and renames it to
 * `name` once written.
 */
async function heapSnapshot(operator: OperatorProcess, dir: string, name: string): Promise<void> {
  const before = new Set(readdirSync(dir));
  const written = (): string | undefined => readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
  process.kill(operator.process.pid, 'SIGUSR2');
  await until('a heap snapshot', () => written() !== undefined, 120_000);
  // The snapshot is written synchronously on the operator's main thread: it answers again once done.
  await until('the heap snapshot written', () => fetch(`${operator.metricsUrl}/readyz`).then(() => true, () => false), 300_000);
  const file = written() as string;
  renameSync(join(dir, file), join(dir, name));
  log(`  heap snapshot ${join(dir, name)} (${round(statSync(join(dir, name)).size / MiB, 1)} MiB)`);
}

const RECONCILED = 'controller_runtime_reconcile_total{controller="configentry",result="success"}';
const COMMITTED = 'cairn_etcd_txn_total{result="committed"}';
const results = new Map<string, Record<string, number[]>>();
const note = (label: string, figure: string, value: number): void => {
  const byFigure = results.get(label) ?? {};
  (byFigure[figure] ??= []).push(value);
  results.set(label, byFigure);
};

if (options.heapSnapshots !== undefined) mkdirSync(options.heapSnapshots, { recursive: true });
function profiled(profileAs: string | undefined): string[] {
  return options.profile && profileAs ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.profile, profileAs)}`] : [];
}

/** `variant`'s operator on `namespace` (and its prefix), with `nodeArgs` beside the variant's flags. */
function startVariant(variant: Variant, namespace: string, nodeArgs: string[]): Promise<OperatorProcess> {
  return startOperatorProcess({
    kubeconfig: cp.info.kubeconfig,
    storeEndpoints: cp.info.storeEndpoints,
    dir,
    main: variant.main,
    ...(variant.flags === undefined ? {} : { operatorNodeFlags: variant.flags }),
    env: variant.env,
    nodeArgs,
    args: [`--watch-namespace=${namespace}`, `--prefix=/${namespace}`, '--no-leader-elect', '--log-level=warn', '--schema-engine-file=', ...options.args.split(' ').filter((a) => a !== '')],
  });
}

/** One bulk, then turns of every variant restarting over the same entries (see the header). */
async function restartsOnly(): Promise<void> {
  const namespace = 'rc-shared';
  await kube.send('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
  const start = (variant: Variant, profileAs?: string): Promise<OperatorProcess> => startVariant(variant, namespace, profiled(profileAs));
  let operator = await start(variants[0] as Variant);
  const tracker = await WatchTracker.start(kube, namespace);
  try {
    await bulkCreate(kube, tracker, namespace, Array.from({ length: options.entries }, (_, i) => `bulk-${i}`), 32, 0);
  } finally {
    tracker.close();
    await operator.stop();
  }
  for (let k = 0; k < options.restartsOnly; k++) {
    log(`turn ${k + 1}; load average ${loadAverage().join(' ')}`);
    for (const variant of k % 2 === 0 ? variants : [...variants].reverse()) {
      const t0 = performance.now();
      operator = await start(variant, `${variant.label}-${k}`);
      try {
        note(variant.label, 'restart: ready s', (performance.now() - t0) / 1000);
        await until('every entry re-confirmed', async () => (await operator.metric(RECONCILED)) >= options.entries, 300_000);
        note(variant.label, 'restart: all re-confirmed s', (performance.now() - t0) / 1000);
        note(variant.label, 'restart: CPU s until all re-confirmed', cpuSeconds(operator.process.pid));
        note(variant.label, 'restart: etcd writes', await operator.metric(COMMITTED));
      } finally {
        await operator.stop();
      }
    }
  }
}

const cp = await startControlPlane({ members: options.members === 1 ? 1 : 3, log });
const kube = new RawKube(cp.info.kubeconfig);
const dir = mkdtempSync(join(tmpdir(), 'cairn-restart-cost-'));
try {
  await installCrds(cp.info);
  await installAdmissionPolicy(cp.info);
  if (options.restartsOnly > 0) await restartsOnly();
  for (let r = 0; r < (options.restartsOnly > 0 ? 0 : options.rounds); r++) {
    for (const variant of r % 2 === 0 ? variants : [...variants].reverse()) {
      const namespace = `rc-${variant.label.toLowerCase().replace(/[^a-z0-9]/g, '')}-${r}`;
      await kube.send('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
      const env = Object.entries(variant.env).map(([k, v]) => ` ${k}=${v}`).join('');
      log(`round ${r + 1}, ${variant.label} (${variant.flags === undefined ? 'the operator\'s own flags' : variant.flags.join(' ') || 'no flags'}${env}); load average ${loadAverage().join(' ')}`);
      const heapSignal = options.heapSnapshots === undefined ? [] : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshots}`];
      const start = (profileAs?: string): Promise<OperatorProcess> => startVariant(variant, namespace, ['--expose-gc', ...heapSignal, ...profiled(profileAs)]);
      let t0 = performance.now();
      let operator = await start();
      note(variant.label, 'first start s', (performance.now() - t0) / 1000);
      note(variant.label, 'RSS at start MiB', residentBytes(operator.process.pid) / MiB);
      const tracker = await WatchTracker.start(kube, namespace);
      try {
        const atStart = await heap(operator);
        note(variant.label, 'heapUsed at start MiB', atStart.heapUsed / MiB);
        log(`  at start: ${heapLine(atStart)}`);
        const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
        const latency = summarize(await applyToReady(kube, tracker, namespace, names('lat', options.latencySamples), 20, 100_000));
        note(variant.label, 'apply->Ready p50 ms', latency.p50);
        note(variant.label, 'apply->Ready p99 ms', latency.p99);
        const afterSamples = await heap(operator);
        if (options.heapSnapshots !== undefined) await heapSnapshot(operator, options.heapSnapshots, `${variant.label}-${r}-latency.heapsnapshot`);
        const cpu0 = cpuSeconds(operator.process.pid);
        const rec0 = await operator.metric(RECONCILED);
        const bulkSeconds = await bulkCreate(kube, tracker, namespace, names('bulk', options.entries), 32, 0);
        const cpu = cpuSeconds(operator.process.pid) - cpu0;
        const reconciles = (await operator.metric(RECONCILED)) - rec0;
        note(variant.label, 'bulk entries/s', options.entries / bulkSeconds);
        note(variant.label, 'CPU s/1000 reconciles', (cpu / reconciles) * 1000);
        note(variant.label, 'RSS after bulk MiB', residentBytes(operator.process.pid) / MiB);
        const mappings = residentByMapping(operator.process.pid);
        const afterBulk = await heap(operator);
        note(variant.label, 'heapTotal after bulk MiB', afterBulk.heapTotal / MiB);
        note(variant.label, 'heapUsed after bulk MiB', afterBulk.heapUsed / MiB);
        // As npm run bench reads it: the least-squares slope of the heap after a forced GC against entries held.
        const points = [{ entries: 0, heap: atStart.heapUsed }, { entries: options.latencySamples, heap: afterSamples.heapUsed }, { entries: options.latencySamples + options.entries, heap: afterBulk.heapUsed }];
        note(variant.label, 'heap B/entry (slope: start, samples, bulk)', slope(points));
        note(variant.label, 'heap B/entry (samples -> bulk)', (afterBulk.heapUsed - afterSamples.heapUsed) / options.entries);
        log(`  after bulk: RSS by mapping ${JSON.stringify(mappings)}; after a forced GC: ${heapLine(afterBulk)}`);
        if (options.heapSnapshots !== undefined) await heapSnapshot(operator, options.heapSnapshots, `${variant.label}-${r}-bulk.heapsnapshot`);

        const held = options.entries + options.latencySamples;
        for (let k = 0; k < options.restarts; k++) {
          await operator.stop();
          t0 = performance.now();
          operator = await start(`${variant.label}-${r}-${k}`);
          note(variant.label, 'restart: ready s', (performance.now() - t0) / 1000);
          await until('every entry re-confirmed', async () => (await operator.metric(RECONCILED)) >= held, 300_000);
          note(variant.label, 'restart: all re-confirmed s', (performance.now() - t0) / 1000);
          note(variant.label, 'restart: CPU s until all re-confirmed', cpuSeconds(operator.process.pid));
          note(variant.label, 'restart: etcd writes', await operator.metric(COMMITTED));
          note(variant.label, 'RSS after restart MiB', residentBytes(operator.process.pid) / MiB);
        }
      } finally {
        tracker.close();
        await operator.stop();
      }
    }
  }
  log(`load average at the end ${loadAverage().join(' ')}`);
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;
  const figures = [...new Set([...results.values()].flatMap((r) => Object.keys(r)))];
  console.log(`\n| figure (median; all values) | ${variants.map((v) => v.label).join(' | ')} |`);
  console.log(`| --- | ${variants.map(() => '---').join(' | ')} |`);
  for (const figure of figures) {
    const cells = variants.map((v) => {
      const values = results.get(v.label)?.[figure] ?? [];
      return `${round(median(values), 2)} (${values.map((x) => round(x, 2)).join(', ')})`;
    });
    console.log(`| ${figure} | ${cells.join(' | ')} |`);
  }
} finally {
  await kube.close();
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
}
