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
 * - The slowest samples split at the commit (seen on a plain etcd watch): before it the create's
 *   watch, the queue and the transaction; after it the status patch and its watch event.
 */
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

export class TailProbe {
  private readonly loop = monitorEventLoopDelay({ resolution: 5 });
  private before: Samples = new Map();

  /** Starts the window: `scrape` is the operator's /metrics text now (this also resets its event-loop histogram). */
  start(scrape: string): void {
    this.before = parseMetrics(scrape);
    this.loop.reset();
    this.loop.enable();
  }

  /** Ends the window and returns the report's lines. */
  finish(scrape: string, ready: readonly number[], commit: readonly number[]): string[] {
    this.loop.disable();
    const after = parseMetrics(scrape);
    const ms = (ns: number): number => round(ns / 1e6, 1);
    const lines: string[] = [];
    const lag = (q: string): number => round((after.get(`nodejs_eventloop_lag_${q}_seconds`) ?? Number.NaN) * 1000, 1);
    lines.push(`operator event-loop delay: p50 ${lag('p50')} p99 ${lag('p99')} max ${lag('max')} ms; benchmark's own: p99 ${ms(this.loop.percentile(99))} max ${ms(this.loop.max)} ms`);
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
    const order = ready.map((r, i) => ({ ready: r, commit: commit[i] ?? Number.NaN })).sort((a, b) => b.ready - a.ready);
    const slow = order.slice(0, Math.max(5, Math.ceil(order.length / 100)));
    lines.push(`slowest ${slow.length} (apply → Ready = → commit + commit → Ready, ms): ${slow.map((s) => `${round(s.ready, 1)} = ${round(s.commit, 1)} + ${round(s.ready - s.commit, 1)}`).join(', ')}`);
    const after2 = order.map((s) => s.ready - s.commit).sort((a, b) => a - b);
    const before2 = order.map((s) => s.commit).sort((a, b) => a - b);
    lines.push(`legs: apply → commit p50 ${round(percentile(before2, 50), 1)} p99 ${round(percentile(before2, 99), 1)} ms; commit → Ready p50 ${round(percentile(after2, 50), 1)} p99 ${round(percentile(after2, 99), 1)} ms`);
    return lines;
  }
}
