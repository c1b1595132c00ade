/**
 * Preloaded into an operator the benchmark starts (`node --import=<this file's URL>?out=FILE`; see
 * bench/hotpath-cost.ts `--tail`), never in the product: it records every event-loop stall and every
 * GC pause with its wall-clock time, and writes them to FILE when the process exits, so the benchmark
 * can tell, for the window it measured, whether the operator's main thread stalled because it was
 * running (its own synchronous work, or GC) or because it was runnable and not scheduled (the machine).
 *
 * A 10 ms interval timer (unref'd) compares each gap between its runs with the main thread's CPU
 * time over the gap (process.threadCpuUsage): a gap longer than 15 ms is a stall, recorded as
 * [epoch ms at its start, excess over the 10 ms period, main-thread CPU ms during the gap]. GC pauses
 * come from a PerformanceObserver: [epoch ms at start, duration ms, kind]. Each list holds at most
 * 100,000 records (a bench run holds far fewer). Cost: one timer and two clock reads per 10 ms.
 */
import { writeFileSync } from 'node:fs';
import { type PerformanceEntry, PerformanceObserver, constants, performance } from 'node:perf_hooks';

const out = new URL(import.meta.url).searchParams.get('out');
const PERIOD_MS = 10;
const STALL_MS = 15;
const MAX_RECORDS = 100_000;

const stalls: [number, number, number][] = [];
const gcs: [number, number, string][] = [];
const epoch = (t: number): number => performance.timeOrigin + t;
const cpuMs = (): number => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};

const kinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

if (out !== null) {
  let lastWall = performance.now();
  let lastCpu = cpuMs();
  setInterval(() => {
    const wall = performance.now();
    const cpu = cpuMs();
    const gap = wall - lastWall;
    if (gap > STALL_MS && stalls.length < MAX_RECORDS) stalls.push([epoch(lastWall), gap - PERIOD_MS, cpu - lastCpu]);
    lastWall = wall;
    lastCpu = cpu;
  }, PERIOD_MS).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (gcs.length < MAX_RECORDS) gcs.push([epoch(e.startTime), e.duration, kinds[kind ?? -1] ?? 'other']);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('exit', () => writeFileSync(out, JSON.stringify({ stalls, gcs })));
}
