/** The benchmark's table, for the terminal and the README. */
import type { Summary } from './stats.ts';
import type { StageFigure } from './operator-metrics.ts';

interface FloorFigures {
  createToWatchMs: Summary;
  txnMs: Summary;
  statusPatchToWatchMs: Summary;
  p50Ms: number;
  p99Ms: number;
}

/** What operator-run.ts measures of one operator (its raw metrics and samples left out). */
export interface OperatorFigures {
  applyReadyMs: Summary;
  updateReadyMs: Summary;
  bulkEntriesPerSecond: number;
  bulkSeconds: number;
  cpuSecondsPer1000Reconciles: number;
  cpu: { seconds: number; reconciles: number };
  startupSeconds: number;
  rssBytesAt: Record<number, number>;
  rssBytesAfterBulk: number;
  memoryUsageAfterBulk?: NodeJS.MemoryUsage;
  restart: { entries: number; etcdWrites: number; storeRevisionDelta: number; seconds: number; readySeconds: number; rssBytes: number };
}

export interface Results {
  when: string;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; kernel: string; node: string };
  /** Load averages (1, 5, 15 min) before each part, and the order the parts ran in. */
  conditions: { loadAverage: Record<string, [number, number, number]>; order: string[]; cairnRunsFrom: string };
  versions: { cairn: string; kubernetes: string; etcd: string; node: string; storeMembers: number };
  settings: { entries: number; latencySamples: number; ratePerSecond: number; concurrency: number; creators: number };
  /** go: compiled client-go + clientv3 (the floor every ratio divides by); node: undici + etcd3, what a Node client costs. */
  floor: {
    go: FloorFigures;
    /** etcdWatchEventMs: from a transaction's answer to its put on a plain etcd watch (the reader floor's last part). */
    node: FloorFigures & { etcdWatchEventMs?: Summary };
    /** The reader's floor, create -> watch event + etcd txn + etcd watch event: with the Go probe's create and txn, and with Node's. */
    reader?: { p50Ms: number; p99Ms: number; nodeP50Ms: number; nodeP99Ms: number };
    rawPipelineEntriesPerSecond: number;
  };
  /** apply -> a cairn/client watch yields the typed value (bench/reader.ts). */
  reader?: { applyToReaderMs: Summary; applyToEtcdWatchMs?: Summary };
  cairn: OperatorFigures;
  reference: OperatorFigures;
  ratios: {
    applyReadyP50: number;
    applyReadyP99: number;
    updateReadyP50: number;
    bulkThroughput: number;
    applyToReaderP50?: number;
    applyToReaderP99?: number;
    vsNodeFloor: { applyReadyP50: number; applyReadyP99: number; applyToReaderP50?: number; applyToReaderP99?: number };
    referenceVsGoFloor: { applyReadyP50: number; applyReadyP99: number };
    vsGo: { applyReadyP50: number; applyReadyP99: number; bulk: number; cpuPerReconcile: number; rss: number; restart: number; startup: number };
  };
  memory: { heapBytesPerEntry: number; heapBytesAt: Record<string, number>; jsonBytesPerEntry: number; cachedJsonBytesPerEntry: number; heapToJsonRatio: number };
  restart: OperatorFigures['restart'] & { rawProcessSeconds: number; rawInProcessSeconds: number; ratio: number };
  schemas?: {
    admissionCreateRatio: number;
    admissionCreateMs: { withoutPolicy: Summary; withPolicy: Summary };
    declaredVsEmbeddedP50?: number;
    applyReadyMs?: { embedded: Summary; declared: Summary };
  };
  stages: Record<string, StageFigure>;
  referenceStages: Record<string, StageFigure>;
  wrongResults: number;
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

function row(cells: readonly string[], widths: readonly number[]): string {
  return `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [row(header, widths), row(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((r) => row(r, widths))].join('\n');
}

function floorRows(label: string, f: FloorFigures): string[][] {
  const s = (x: Summary): [string, string, string] => [ms(x.p50), ms(x.p90), ms(x.p99)];
  return [
    [`${label}: create → watch event`, ...s(f.createToWatchMs)],
    [`${label}: etcd txn (Cairn shape)`, ...s(f.txnMs)],
    [`${label}: status patch → watch event`, ...s(f.statusPatchToWatchMs)],
    [`${label}: sum`, ms(f.p50Ms), '', ms(f.p99Ms)],
  ];
}

export function formatTable(r: Results): string {
  const s = (x: Summary): [string, string, string] => [ms(x.p50), ms(x.p90), ms(x.p99)];
  const machine = `${r.machine.cpus} × ${r.machine.cpuModel}, ${Math.round(r.machine.memoryBytes / 2 ** 30)} GiB; Node ${r.machine.node}; Kubernetes ${r.versions.kubernetes}, etcd ${r.versions.etcd} (${r.versions.storeMembers} members); Cairn ${r.versions.cairn}`;
  const load = `Load average (1/5/15 min) before each part: ${Object.entries(r.conditions.loadAverage).map(([part, l]) => `${part} ${l.map((v) => v.toFixed(2)).join('/')}`).join('; ')}. Order: ${r.conditions.order.join(', ')}. Cairn runs ${r.conditions.cairnRunsFrom}.`;
  const rate = `${r.settings.ratePerSecond}/s open loop`;
  const latency = table(
    ['what', 'p50', 'p90', 'p99'],
    [
      ...floorRows('floor, Go (client-go, clientv3)', r.floor.go),
      ...floorRows('floor, Node (undici, etcd3)', r.floor.node),
      [`Go reference: apply → Ready (${rate})`, ...s(r.reference.applyReadyMs)],
      [`Go reference: update → Ready (${rate})`, ...s(r.reference.updateReadyMs)],
      [`Cairn: apply → Ready (${rate})`, ...s(r.cairn.applyReadyMs)],
      [`Cairn: update → Ready (${rate})`, ...s(r.cairn.updateReadyMs)],
      ...(r.floor.node.etcdWatchEventMs ? [['floor, Node: etcd txn answered → etcd watch event', ...s(r.floor.node.etcdWatchEventMs)]] : []),
      ...(r.floor.reader ? [['reader floor: create → watch + txn (Go) + etcd watch event', ms(r.floor.reader.p50Ms), '', ms(r.floor.reader.p99Ms)]] : []),
      ...(r.reader?.applyToEtcdWatchMs ? [[`Cairn: apply → its commit on a plain etcd watch (${rate})`, ...s(r.reader.applyToEtcdWatchMs)]] : []),
      ...(r.reader ? [[`Cairn: apply → cairn/client watch yields the value (${rate})`, ...s(r.reader.applyToReaderMs)]] : []),
    ],
  );
  const c = r.cairn;
  const g = r.reference;
  const x = (v: number): string => v.toFixed(2);
  const vsGo = table(
    ['figure', 'Cairn', 'Go reference', 'Cairn ÷ Go', 'target'],
    [
      ['apply → Ready p50', ms(c.applyReadyMs.p50), ms(g.applyReadyMs.p50), x(r.ratios.vsGo.applyReadyP50), '≤ 1.0'],
      ['apply → Ready p99', ms(c.applyReadyMs.p99), ms(g.applyReadyMs.p99), x(r.ratios.vsGo.applyReadyP99), '≤ 1.0'],
      [`bulk ${r.settings.entries} entries/s (Cairn's rate ÷ Go's)`, `${c.bulkEntriesPerSecond}/s`, `${g.bulkEntriesPerSecond}/s`, x(r.ratios.vsGo.bulk), '≥ 1.0'],
      ['CPU s per 1,000 reconciles (process, /proc)', `${c.cpuSecondsPer1000Reconciles} (${c.cpu.seconds} s / ${c.cpu.reconciles})`, `${g.cpuSecondsPer1000Reconciles} (${g.cpu.seconds} s / ${g.cpu.reconciles})`, x(r.ratios.vsGo.cpuPerReconcile), '≤ 1.5'],
      [`resident memory after bulk (${c.restart.entries} entries held)`, mib(c.rssBytesAfterBulk), mib(g.rssBytesAfterBulk), x(r.ratios.vsGo.rss), '≤ 2'],
      [`restart: spawn → every one of ${c.restart.entries} re-confirmed`, `${c.restart.seconds} s`, `${g.restart.seconds} s`, x(r.ratios.vsGo.restart), '≤ 1.0'],
      ['restart: spawn → ready', `${c.restart.readySeconds} s`, `${g.restart.readySeconds} s`, x(r.ratios.vsGo.startup), ''],
      ['restart: etcd writes (store revision delta: the fence)', `${c.restart.etcdWrites} (+${c.restart.storeRevisionDelta})`, `${g.restart.etcdWrites} (+${g.restart.storeRevisionDelta})`, '', '0'],
      ['first start, nothing held: spawn → ready', `${c.startupSeconds} s`, `${g.startupSeconds} s`, '', ''],
    ],
  );
  const headline = table(
    ['ratio', 'measured', 'target'],
    [
      ['Cairn apply → Ready p50 ÷ Go floor p50', x(r.ratios.applyReadyP50), '≤ 1.3'],
      ['Cairn apply → Ready p99 ÷ Go floor p99', x(r.ratios.applyReadyP99), ''],
      ['Go reference apply → Ready p50 ÷ Go floor p50', x(r.ratios.referenceVsGoFloor.applyReadyP50), ''],
      ['Cairn apply → Ready p50 ÷ Node floor p50 (what a Node client costs is inside that floor)', x(r.ratios.vsNodeFloor.applyReadyP50), ''],
      ...(r.ratios.applyToReaderP50 !== undefined ? [['apply → reader p50 ÷ reader floor p50', x(r.ratios.applyToReaderP50), '≤ 1.5']] : []),
      ...(r.ratios.applyToReaderP99 !== undefined ? [['apply → reader p99 ÷ reader floor p99', x(r.ratios.applyToReaderP99), '']] : []),
      ...(r.ratios.vsNodeFloor.applyToReaderP50 !== undefined ? [['apply → reader p50 ÷ reader floor p50 (Node create and txn)', x(r.ratios.vsNodeFloor.applyToReaderP50), '']] : []),
      [`Cairn bulk ${r.settings.entries} entries/s ÷ raw pipeline (Node)`, `${x(r.ratios.bulkThroughput)} (${c.bulkEntriesPerSecond} vs ${r.floor.rawPipelineEntriesPerSecond}/s)`, ''],
      ['Cairn heap per cached entry ÷ entry JSON', `${x(r.memory.heapToJsonRatio)} (${r.memory.heapBytesPerEntry} B vs ${r.memory.jsonBytesPerEntry} B)`, '≤ 2'],
      ...(r.schemas ? [['schema admission policy: dry-run create p50 with ÷ without', `${x(r.schemas.admissionCreateRatio)} (${ms(r.schemas.admissionCreateMs.withPolicy.p50)} vs ${ms(r.schemas.admissionCreateMs.withoutPolicy.p50)})`, '≤ 1.10']] : []),
      ...(r.schemas?.declaredVsEmbeddedP50 !== undefined && r.schemas.applyReadyMs
        ? [['apply → Ready p50: declared schema ÷ embedded (same data)', `${x(r.schemas.declaredVsEmbeddedP50)} (${ms(r.schemas.applyReadyMs.declared.p50)} vs ${ms(r.schemas.applyReadyMs.embedded.p50)})`, '≤ 1.05']]
        : []),
      ['Cairn restart: re-confirm all ÷ raw LIST + range (both new Node processes)', `${x(r.restart.ratio)} (${r.restart.seconds} s vs ${r.restart.rawProcessSeconds} s; in a warm process ${r.restart.rawInProcessSeconds} s)`, ''],
    ],
  );
  const stages = table(
    ['stage (Cairn histograms)', 'count', 'mean', 'p50 ≤', 'p99 ≤'],
    Object.entries(r.stages).map(([stage, f]) => [stage, String(f.count), ms(f.meanMs), ms(f.p50Ms), ms(f.p99Ms)]),
  );
  const rss = (f: OperatorFigures): string => Object.entries(f.rssBytesAt).map(([n, b]) => `${n}: ${mib(b)}`).join(', ');
  const memory = [
    `Cairn heap after GC by entries held: ${Object.entries(r.memory.heapBytesAt).map(([n, b]) => `${n}: ${mib(b)}`).join(', ')} -> ${r.memory.heapBytesPerEntry} B per entry (slope); entry JSON ${r.memory.jsonBytesPerEntry} B as served, ${r.memory.cachedJsonBytesPerEntry} B as cached (trimmed)`,
    `resident memory by entries held: Cairn ${rss(c)}; Go reference ${rss(g)}`,
    ...(c.memoryUsageAfterBulk ? [`Cairn after bulk, process.memoryUsage(): rss ${mib(c.memoryUsageAfterBulk.rss)}, V8 heap ${mib(c.memoryUsageAfterBulk.heapTotal)} (${mib(c.memoryUsageAfterBulk.heapUsed)} used), external ${mib(c.memoryUsageAfterBulk.external)} (array buffers ${mib(c.memoryUsageAfterBulk.arrayBuffers)})`] : []),
  ].join('\n');
  return [`Machine: ${machine}`, load, '', latency, '', vsGo, '', headline, '', stages, '', memory].join('\n');
}
