/** The benchmark's table, for the terminal and the README. */
import type { Summary } from './stats.ts';
import type { StageFigure } from './operator-metrics.ts';

export interface Results {
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string };
  versions: { cairn: string; kubernetes: string; etcd: string; storeMembers: number };
  settings: { entries: number; latencySamples: number; ratePerSecond: number; concurrency: number };
  floor: { createToWatchMs: Summary; txnMs: Summary; statusPatchToWatchMs: Summary; p50Ms: number; p99Ms: number; rawPipelineEntriesPerSecond: number };
  cairn: { applyReadyMs: Summary; updateReadyMs: Summary; bulkEntriesPerSecond: number };
  ratios: { applyReadyP50: number; applyReadyP99: number; updateReadyP50: number; bulkThroughput: number };
  memory: { heapBytesPerEntry: number; heapBytesAt: Record<string, number>; jsonBytesPerEntry: number; cachedJsonBytesPerEntry: number; heapToJsonRatio: number };
  restart: { entries: number; etcdWrites: number; storeRevisionDelta: number; seconds: number; readySeconds: number; rawProcessSeconds: number; rawInProcessSeconds: number; ratio: number };
  stages: Record<string, StageFigure>;
  schemas?: { admissionCreateRatio: number; admissionCreateMs: { withoutPolicy: Summary; withPolicy: Summary } };
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;

function row(cells: readonly string[], widths: readonly number[]): string {
  return `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [row(header, widths), row(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((r) => row(r, widths))].join('\n');
}

export function formatTable(r: Results): string {
  const s = (x: Summary): [string, string, string] => [ms(x.p50), ms(x.p90), ms(x.p99)];
  const machine = `${r.machine.cpus} × ${r.machine.cpuModel}, ${Math.round(r.machine.memoryBytes / 2 ** 30)} GiB; Node ${r.machine.node}; Kubernetes ${r.versions.kubernetes}, etcd ${r.versions.etcd} (${r.versions.storeMembers} members); Cairn ${r.versions.cairn}`;
  const latency = table(
    ['what', 'p50', 'p90', 'p99'],
    [
      ['floor: create → watch event', ...s(r.floor.createToWatchMs)],
      ['floor: etcd txn (Cairn shape)', ...s(r.floor.txnMs)],
      ['floor: status patch → watch event', ...s(r.floor.statusPatchToWatchMs)],
      ['floor: sum', ms(r.floor.p50Ms), '', ms(r.floor.p99Ms)],
      [`Cairn: apply → Ready (${r.settings.ratePerSecond}/s open loop)`, ...s(r.cairn.applyReadyMs)],
      [`Cairn: update → Ready (${r.settings.ratePerSecond}/s open loop)`, ...s(r.cairn.updateReadyMs)],
    ],
  );
  const headline = table(
    ['ratio', 'measured', 'target'],
    [
      ['apply → Ready p50 ÷ floor p50', r.ratios.applyReadyP50.toFixed(2), '≤ 1.5'],
      ['apply → Ready p99 ÷ floor p99', r.ratios.applyReadyP99.toFixed(2), '≤ 2'],
      [`bulk ${r.settings.entries} entries/s ÷ raw pipeline`, `${r.ratios.bulkThroughput.toFixed(2)} (${r.cairn.bulkEntriesPerSecond} vs ${r.floor.rawPipelineEntriesPerSecond}/s)`, '≥ 0.7'],
      ['heap per cached entry ÷ entry JSON', `${r.memory.heapToJsonRatio.toFixed(2)} (${r.memory.heapBytesPerEntry} B vs ${r.memory.jsonBytesPerEntry} B)`, '≤ 3'],
      [`restart over ${r.restart.entries}: etcd writes`, `${r.restart.etcdWrites} (store revision +${r.restart.storeRevisionDelta}: the fence)`, '0'],
      ...(r.schemas ? [['schema admission policy: dry-run create p50 with ÷ without', `${r.schemas.admissionCreateRatio.toFixed(2)} (${ms(r.schemas.admissionCreateMs.withPolicy.p50)} vs ${ms(r.schemas.admissionCreateMs.withoutPolicy.p50)})`, '≤ 1.10']] : []),
      ['restart: re-confirm all ÷ raw LIST + range (both as new processes)', `${r.restart.ratio.toFixed(2)} (${r.restart.seconds} s vs ${r.restart.rawProcessSeconds} s; in a warm process ${r.restart.rawInProcessSeconds} s)`, '≤ 2'],
    ],
  );
  const stages = table(
    ['stage (operator histograms)', 'count', 'mean', 'p50 ≤', 'p99 ≤'],
    Object.entries(r.stages).map(([stage, f]) => [stage, String(f.count), ms(f.meanMs), ms(f.p50Ms), ms(f.p99Ms)]),
  );
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const memory = `heap after GC by entries held: ${Object.entries(r.memory.heapBytesAt).map(([n, b]) => `${n}: ${mib(b)}`).join(', ')} -> ${r.memory.heapBytesPerEntry} B per entry (slope); entry JSON ${r.memory.jsonBytesPerEntry} B as served, ${r.memory.cachedJsonBytesPerEntry} B as cached (trimmed)`;
  return [`Machine: ${machine}`, '', latency, '', headline, '', stages, '', memory].join('\n');
}
