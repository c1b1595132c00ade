/**
 * What the apply → Ready tail is made of, read from inside the processes instead of end to end
 * (bench/hotpath-cost.ts `--tail`): on a loaded machine an end-to-end p99 measures the scheduler
 * more than Cairn, while these say whether the operator itself stalled.
 *
 * - The operator's own figures from /metrics, over the window between two scrapes: event-loop delay
 *   (prom-client's monitorEventLoopDelay, which it resets at each scrape, so the second scrape covers
 *   exactly the window), GC pauses by kind (count, total, how many past 10 ms), and the reconcile
 *   stages and queue wait (how many past 10 / 25 / 50 ms).
 * - The benchmark process's own event-loop delay over the same window: its watch timestamps the
 *   samples, so a stall there lengthens samples Cairn did not slow.
 * - The kernel's scheduler statistics of the operator's main thread and of all its threads
 *   (/proc/<pid>/task/<tid>/schedstat: time on a CPU, time runnable but waiting for one, time
 *   slices): a thread that waited for a CPU longer than it ran was delayed by the machine, not by
 *   its own work.
 * - Every stall of the operator's event loop in the window, from bench/stall-probe.ts preloaded into
 *   it (`nodeArgs`): whether its main thread ran through the stall (its own work, or GC) or was
 *   runnable and not scheduled, and the GC pauses inside it (read after the operator stopped).
 * - The slowest samples split at the commit (seen on a plain etcd watch): before it the create's
 *   watch, the queue and the transaction; after it the status patch and its watch event.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { percentile, round } from './stats.ts';

type Samples = Map<string, number>;

/** Prometheus text → sample name with labels → value. */
export function parseMetrics(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(normalized(line.slice(0, space)), Number(line.slice(space + 1)));
  }
  return out;
}

/** `name{b="2",a="1"}` → `name{a="1",b="2"}`: labels sorted, so a lookup does not depend on the exporter's order (label values here hold no commas). */
function normalized(sample: string): string {
  const brace = sample.indexOf('{');
  if (brace < 0) return sample;
  return `${sample.slice(0, brace)}{${sample.slice(brace + 1, -1).split(',').sort().join(',')}}`;
}

const delta = (before: Samples, after: Samples, sample: string): number => (after.get(normalized(sample)) ?? 0) - (before.get(normalized(sample)) ?? 0);

/** Observations of histogram `name{labels}` in the window, and how many of them exceeded each bound `le` (seconds, a bucket bound). */
function histogramWindow(before: Samples, after: Samples, name: string, labels: string, bounds: readonly number[]): { count: number; sumMs: number; over: number[] } {
  const count = delta(before, after, `${name}_count{${labels}}`);
  const sumMs = delta(before, after, `${name}_sum{${labels}}`) * 1000;
  const over = bounds.map((le) => count - delta(before, after, `${name}_bucket{le="${le}",${labels}}`));
  return { count, sumMs, over };
}

interface SchedStat {
  readonly runMs: number;
  readonly waitMs: number;
  readonly slices: number;
}

/** /proc/<pid>/task/<tid>/schedstat summed over `tids` (a thread gone meanwhile counts nothing). */
function schedStat(pid: number, tids: readonly string[]): SchedStat {
  let runMs = 0;
  let waitMs = 0;
  let slices = 0;
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8');
    } catch {
      continue;
    }
    const [run, wait, n] = text.trim().split(' ').map(Number) as [number, number, number];
    runMs += run / 1e6;
    waitMs += wait / 1e6;
    slices += n;
  }
  return { runMs, waitMs, slices };
}

const allThreads = (pid: number): string[] => readdirSync(`/proc/${pid}/task`);

function schedLine(what: string, before: SchedStat, after: SchedStat): string {
  const run = after.runMs - before.runMs;
  const wait = after.waitMs - before.waitMs;
  const slices = after.slices - before.slices;
  return `${what}: on a CPU ${round(run)} ms, runnable but waiting for one ${round(wait)} ms (${round(wait / Math.max(1e-9, run), 2)}× its run time, ${round(wait / Math.max(1, slices), 2)} ms per time slice)`;
}

interface StallRecords {
  /** [epoch ms at the start, excess over the probe's period, main-thread CPU ms during the gap] */
  readonly stalls: [number, number, number][];
  /** [epoch ms at the start, duration ms, kind] */
  readonly gcs: [number, number, string][];
}

/**
 * Histogram `name` summed over every label set `keep` accepts (by its sample key), in the window:
 * observations, and how many exceeded each bound (bounds must be bucket bounds of the exporter).
 */
function histogramSummed(before: Samples, after: Samples, name: string, bounds: readonly number[], keep: (key: string) => boolean = () => true): { count: number; over: number[] } {
  let count = 0;
  const upTo = new Map<number, number>();
  for (const [key, value] of after) {
    if (!keep(key)) continue;
    const was = before.get(key) ?? 0;
    if (key.startsWith(`${name}_count`)) count += value - was;
    const le = key.startsWith(`${name}_bucket{`) ? /le="([^"]+)"/.exec(key)?.[1] : undefined;
    if (le !== undefined) upTo.set(Number(le), (upTo.get(Number(le)) ?? 0) + value - was);
  }
  return { count, over: bounds.map((b) => count - (upTo.get(b) ?? 0)) };
}

/** Where the control plane's own figures come from: the apiserver's /metrics, and each store member's. */
export interface ControlPlaneMetrics {
  readonly apiserver: () => Promise<string>;
  readonly storeMembers: readonly (() => Promise<string>)[];
}

export class TailProbe {
  private readonly pid: number;
  private window: { from: number; to: number } | undefined;
  /** The slowest samples: sent at epoch ms, and how long they took. */
  private slowest: { sentAt: number; ms: number }[] = [];
  private sched: { main: SchedStat; all: SchedStat; self: SchedStat } | undefined;
  private controlPlane: { apiserver: Samples; store: Samples[] } | undefined;

  /** `pid`: the operator's process. */
  constructor(pid: number) {
    this.pid = pid;
  }

  private schedNow(): { main: SchedStat; all: SchedStat; self: SchedStat } {
    return { main: schedStat(this.pid, [String(this.pid)]), all: schedStat(this.pid, allThreads(this.pid)), self: schedStat(process.pid, [String(process.pid)]) };
  }

  private readonly loop = monitorEventLoopDelay({ resolution: 5 });
  private before: Samples = new Map();

  /** The operator's extra Node arguments that preload the stall probe, writing to `file` at exit. */
  static nodeArgs(file: string): string[] {
    return [`--import=${new URL('./stall-probe.ts', import.meta.url).href}?out=${encodeURIComponent(file)}`];
  }

  /** The control plane's figures now (call before start and after finish, and pass both to controlPlaneLines). */
  static async scrapeControlPlane(sources: ControlPlaneMetrics): Promise<{ apiserver: Samples; store: Samples[] }> {
    return { apiserver: parseMetrics(await sources.apiserver()), store: await Promise.all(sources.storeMembers.map(async (m) => parseMetrics(await m()))) };
  }

  /**
   * What the apiserver and the store did in the window: the apiserver's handling of writes (POST,
   * PATCH, PUT: the creates, status patches and Events) and its etcd requests, and each store
   * member's WAL fsyncs, with how many passed 50/100/200 ms (fsync: 64/256 ms). A slow moment here
   * with no operator stall at the same time is outside Cairn.
   */
  static controlPlaneLines(before: { apiserver: Samples; store: Samples[] }, after: { apiserver: Samples; store: Samples[] }): string[] {
    const writes = (key: string): boolean => /verb="(POST|PATCH|PUT)"/.test(key);
    const handled = histogramSummed(before.apiserver, after.apiserver, 'apiserver_request_duration_seconds', [0.05, 0.1, 0.2], writes);
    const etcd = histogramSummed(before.apiserver, after.apiserver, 'etcd_request_duration_seconds', [0.05, 0.1, 0.2]);
    const fsyncs = after.store.map((m, i) => histogramSummed(before.store[i] ?? new Map(), m, 'etcd_disk_wal_fsync_duration_seconds', [0.064, 0.256]));
    return [
      `apiserver writes handled: ${handled.count}, > 50/100/200 ms: ${handled.over.join('/')}; its etcd requests: ${etcd.count}, > 50/100/200 ms: ${etcd.over.join('/')}`,
      `store WAL fsyncs per member: ${fsyncs.map((f) => `${f.count} (> 64/256 ms: ${f.over.join('/')})`).join(', ')}`,
    ];
  }

  /** Starts the window: `scrape` is the operator's /metrics text now (this also resets its event-loop histogram). */
  start(scrape: string): void {
    this.before = parseMetrics(scrape);
    this.loop.reset();
    this.loop.enable();
    this.sched = this.schedNow();
    this.window = { from: Date.now(), to: Number.POSITIVE_INFINITY };
  }

  /** Ends the window and returns the report's lines; `ready` and `commit` are by arrival, `perSecond` apart (open loop). */
  finish(scrape: string, ready: readonly number[], commit: readonly number[], perSecond: number): string[] {
    this.loop.disable();
    if (this.window) this.window = { ...this.window, to: Date.now() };
    const sched = this.schedNow();
    const after = parseMetrics(scrape);
    const ms = (ns: number): number => round(ns / 1e6, 1);
    const lines: string[] = [];
    // A Node operator's own figures (prom-client's and Cairn's); the Go reference has none of them.
    const node = after.has('nodejs_eventloop_lag_p50_seconds');
    const lag = (q: string): number => round((after.get(`nodejs_eventloop_lag_${q}_seconds`) ?? Number.NaN) * 1000, 1);
    const operatorLag = node ? `operator event-loop delay: p50 ${lag('p50')} p99 ${lag('p99')} max ${lag('max')} ms; ` : '';
    lines.push(`${operatorLag}benchmark's own event-loop delay: p99 ${ms(this.loop.percentile(99))} max ${ms(this.loop.max)} ms`);
    if (this.sched) {
      lines.push(schedLine("operator's main thread", this.sched.main, sched.main));
      lines.push(schedLine("operator's threads together", this.sched.all, sched.all));
      lines.push(schedLine("benchmark's main thread", this.sched.self, sched.self));
    }
    if (node) {
      const gc = ['minor', 'major', 'incremental', 'weakcb']
        .map((kind) => ({ kind, ...histogramWindow(this.before, after, 'nodejs_gc_duration_seconds', `kind="${kind}"`, [0.01, 0.1]) }))
        .filter((g) => g.count > 0)
        .map((g) => `${g.kind} ${g.count} (${round(g.sumMs, 1)} ms, ${g.over[0]} > 10 ms, ${g.over[1]} > 100 ms)`);
      lines.push(`operator GC pauses: ${gc.join('; ') || 'none'}`);
      const bounds = [0.01, 0.025, 0.05];
      const stages = ['queue_wait', 'etcd_read', 'etcd_txn', 'status_patch', 'finalizer']
        .map((stage) => ({ stage, ...histogramWindow(this.before, after, 'cairn_reconcile_stage_seconds', `stage="${stage}"`, bounds) }))
        .filter((s) => s.count > 0)
        .map((s) => `${s.stage} n ${s.count} mean ${round(s.sumMs / s.count, 2)} ms, > 10/25/50 ms: ${s.over.join('/')}`);
      lines.push(`operator stages: ${stages.join('; ')}`);
      const reconcile = histogramWindow(this.before, after, 'controller_runtime_reconcile_time_seconds', 'controller="configentry"', bounds);
      lines.push(`operator reconciles: n ${reconcile.count} mean ${round(reconcile.sumMs / Math.max(1, reconcile.count), 2)} ms, > 10/25/50 ms: ${reconcile.over.join('/')}`);
    }
    const order = ready.map((r, i) => ({ ready: r, commit: commit[i] ?? Number.NaN, at: i / perSecond })).sort((a, b) => b.ready - a.ready);
    const slow = order.slice(0, Math.max(5, Math.ceil(order.length / 100)));
    const from = this.window?.from ?? 0;
    this.slowest = slow.map((x) => ({ sentAt: from + x.at * 1000, ms: x.ready }));
    lines.push(`slowest ${slow.length} (apply → Ready = → commit + commit → Ready, ms; sent at s into the window): ${slow.map((s) => `${round(s.ready, 1)} = ${round(s.commit, 1)} + ${round(s.ready - s.commit, 1)} @${round(s.at, 2)}`).join(', ')}`);
    const after2 = order.map((s) => s.ready - s.commit).sort((a, b) => a - b);
    const before2 = order.map((s) => s.commit).sort((a, b) => a - b);
    lines.push(`legs: apply → commit p50 ${round(percentile(before2, 50), 1)} p99 ${round(percentile(before2, 99), 1)} ms; commit → Ready p50 ${round(percentile(after2, 50), 1)} p99 ${round(percentile(after2, 99), 1)} ms`);
    return lines;
  }

  /**
   * The stalls of the window, from the stall probe's `file` (written when the operator exited): a
   * stall counts as running when the main thread was on a CPU for at least half of the gap.
   */
  stallLines(file: string): string[] {
    if (!this.window) return [];
    const { from, to } = this.window;
    const records = JSON.parse(readFileSync(file, 'utf8')) as StallRecords;
    const stalls = records.stalls.filter(([at]) => at >= from && at <= to);
    const gcs = records.gcs.filter(([at]) => at >= from && at <= to);
    const gcInside = (at: number, excess: number): number =>
      gcs.filter(([g, d]) => g + d >= at && g <= at + excess + 10).reduce((sum, [, d]) => sum + d, 0);
    const running = stalls.filter(([, excess, cpu]) => cpu >= 0.5 * (excess + 10));
    const waiting = stalls.filter((s) => !running.includes(s));
    const total = (xs: typeof stalls): number => round(xs.reduce((sum, [, e]) => sum + e, 0), 0);
    const lines = [
      `operator stalls past 15 ms in the window (${round((to - from) / 1000, 1)} s): ${stalls.length}, ${total(stalls)} ms in all; main thread running through them ${running.length} (${total(running)} ms), runnable and not scheduled ${waiting.length} (${total(waiting)} ms)`,
    ];
    const top = [...stalls].sort((a, b) => b[1] - a[1]).slice(0, 5);
    lines.push(`largest stalls (excess ms / main-thread CPU ms in it / GC ms in it @ s into the window): ${top.map(([at, e, cpu]) => `${round(e, 0)}/${round(cpu, 0)}/${round(gcInside(at, e), 0)} @${round((at - from) / 1000, 2)}`).join(', ')}`);
    const overlap = (a: number, b: number, c: number, d: number): number => Math.max(0, Math.min(b, d) - Math.max(a, c));
    const during = this.slowest.map(({ sentAt, ms }) => round(stalls.reduce((sum, [at, e]) => sum + overlap(sentAt, sentAt + ms, at + 10, at + 10 + e), 0), 0));
    lines.push(`the slowest samples (ms) and how long the operator's loop stalled during each (the excess of stalls past 15 ms, ms): ${this.slowest.map((x, i) => `${round(x.ms, 0)}: ${during[i]}`).join(', ')}`);
    for (const kind of ['minor', 'major', 'incremental', 'weakcb']) {
      const mine = gcs.filter(([, , k]) => k === kind).map(([, d]) => d);
      if (mine.length > 0) lines.push(`GC ${kind}: ${mine.length}, ${round(mine.reduce((a, b) => a + b, 0), 0)} ms, longest ${round(Math.max(...mine), 1)} ms`);
    }
    return lines;
  }
}
