/**
 * `npx node bench/heap-summary.ts AFTER.heapsnapshot [BEFORE.heapsnapshot] [--per N] [--top K]`: what a
 * V8 heap snapshot holds, for finding what Cairn keeps per entry (issue 13's memory figures).
 *
 * - by class: self size and count by node type and constructor name (with BEFORE, the difference,
 *   and with `--per N` divided by N, e.g. the entries held more in AFTER than in BEFORE);
 * - largest retainers: the objects whose retained size (dominator tree, weak edges ignored) is
 *   largest, each with the path of edge names from the GC roots, so a Map of the informer's cache or
 *   the event correlator's LRU shows by name.
 *
 * Reads the snapshot whole (a few hundred MiB of JSON for a 60 MiB heap: run it with enough memory,
 * e.g. `--max-old-space-size=4096`). Nothing asserted.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Graph {
  readonly count: number;
  readonly type: Uint8Array;
  readonly name: Uint32Array;
  readonly selfSize: Float64Array;
  readonly firstEdge: Uint32Array;
  readonly edgeType: Uint8Array;
  readonly edgeName: Uint32Array;
  readonly edgeTo: Uint32Array;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  readonly strings: string[];
}

function load(file: string): Graph {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = raw.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [iType, iName, iSelf, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [number, number, number];
  const count = raw.nodes.length / nf;
  const edgeCount = raw.edges.length / ef;
  const g: Graph = {
    count,
    type: new Uint8Array(count),
    name: new Uint32Array(count),
    selfSize: new Float64Array(count),
    firstEdge: new Uint32Array(count + 1),
    edgeType: new Uint8Array(edgeCount),
    edgeName: new Uint32Array(edgeCount),
    edgeTo: new Uint32Array(edgeCount),
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
    strings: raw.strings,
  };
  let edge = 0;
  for (let n = 0; n < count; n++) {
    const base = n * nf;
    g.type[n] = raw.nodes[base + iType] as number;
    g.name[n] = raw.nodes[base + iName] as number;
    g.selfSize[n] = raw.nodes[base + iSelf] as number;
    g.firstEdge[n] = edge;
    edge += raw.nodes[base + iEdges] as number;
  }
  g.firstEdge[count] = edge;
  for (let e = 0; e < edgeCount; e++) {
    g.edgeType[e] = raw.edges[e * ef + eType] as number;
    g.edgeName[e] = raw.edges[e * ef + eName] as number;
    g.edgeTo[e] = (raw.edges[e * ef + eTo] as number) / nf;
  }
  return g;
}

function className(g: Graph, n: number): string {
  const type = g.nodeTypes[g.type[n] as number] as string;
  const name = g.strings[g.name[n] as number] ?? '';
  if (type === 'object' || type === 'closure' || type === 'native') return `${type}:${name.slice(0, 60)}`;
  if (type === 'hidden' || type === 'code' || type === 'synthetic') return `${type}:${name.replace(/\d+/g, '#').slice(0, 60)}`;
  return type; // string, number, array, concatenated string, ...
}

function byClass(g: Graph): Map<string, { size: number; count: number }> {
  const out = new Map<string, { size: number; count: number }>();
  for (let n = 0; n < g.count; n++) {
    const key = className(g, n);
    const cell = out.get(key) ?? { size: 0, count: 0 };
    cell.size += g.selfSize[n] as number;
    cell.count += 1;
    out.set(key, cell);
  }
  return out;
}

function edgeLabel(g: Graph, e: number): string {
  const type = g.edgeTypes[g.edgeType[e] as number];
  const name = g.edgeName[e] as number;
  return type === 'element' || type === 'hidden' ? `[${name}]` : (g.strings[name] ?? `${name}`);
}

/** Immediate dominators (Cooper, Harvey, Kennedy), weak edges ignored; root is node 0. */
function dominators(g: Graph): { idom: Int32Array; order: Uint32Array; parentEdge: Int32Array } {
  const weak = g.edgeTypes.indexOf('weak');
  const postIndex = new Int32Array(g.count).fill(-1);
  const order = new Uint32Array(g.count); // nodes in postorder
  const parentEdge = new Int32Array(g.count).fill(-1);
  let visited = 0;
  const stack: number[] = [0];
  const edgeCursor = new Uint32Array(g.count);
  const seen = new Uint8Array(g.count);
  seen[0] = 1;
  edgeCursor[0] = g.firstEdge[0] as number;
  while (stack.length > 0) {
    const n = stack[stack.length - 1] as number;
    const end = g.firstEdge[n + 1] as number;
    let e = edgeCursor[n] as number;
    while (e < end && (g.edgeType[e] === weak || seen[g.edgeTo[e] as number] === 1)) e++;
    if (e < end) {
      edgeCursor[n] = e + 1;
      const to = g.edgeTo[e] as number;
      seen[to] = 1;
      parentEdge[to] = e;
      edgeCursor[to] = g.firstEdge[to] as number;
      stack.push(to);
    } else {
      stack.pop();
      postIndex[n] = visited;
      order[visited++] = n;
    }
  }
  // Predecessors of reachable nodes.
  const predCount = new Uint32Array(g.count + 1);
  for (let n = 0; n < g.count; n++) {
    if (postIndex[n] === -1) continue;
    for (let e = g.firstEdge[n] as number; e < (g.firstEdge[n + 1] as number); e++) if (g.edgeType[e] !== weak) predCount[(g.edgeTo[e] as number) + 1]! += 1;
  }
  for (let n = 0; n < g.count; n++) predCount[n + 1]! += predCount[n] as number;
  const preds = new Uint32Array(predCount[g.count] as number);
  const fill = predCount.slice(0, g.count);
  for (let n = 0; n < g.count; n++) {
    if (postIndex[n] === -1) continue;
    for (let e = g.firstEdge[n] as number; e < (g.firstEdge[n + 1] as number); e++) if (g.edgeType[e] !== weak) preds[fill[g.edgeTo[e] as number]!++] = n;
  }
  const idom = new Int32Array(g.count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while ((postIndex[a] as number) < (postIndex[b] as number)) a = idom[a] as number;
      while ((postIndex[b] as number) < (postIndex[a] as number)) b = idom[b] as number;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = visited - 2; i >= 0; i--) {
      const n = order[i] as number;
      let candidate = -1;
      for (let p = predCount[n] as number; p < (predCount[n + 1] as number); p++) {
        const pred = preds[p] as number;
        if (idom[pred] === -1) continue;
        candidate = candidate === -1 ? pred : intersect(pred, candidate);
      }
      if (candidate !== -1 && idom[n] !== candidate) {
        idom[n] = candidate;
        changed = true;
      }
    }
  }
  return { idom, order: order.slice(0, visited), parentEdge };
}

function pathTo(g: Graph, parentEdge: Int32Array, n: number): string {
  const parts: string[] = [];
  let node = n;
  for (let depth = 0; node !== 0 && depth < 14; depth++) {
    const e = parentEdge[node] as number;
    if (e < 0) break;
    parts.unshift(`${edgeLabel(g, e)}`);
    node = findSource(g, e);
  }
  return parts.join(' > ');
}

let sourceOf: Uint32Array | undefined;
function findSource(g: Graph, e: number): number {
  if (sourceOf === undefined) {
    sourceOf = new Uint32Array(g.edgeTo.length);
    for (let n = 0; n < g.count; n++) for (let i = g.firstEdge[n] as number; i < (g.firstEdge[n + 1] as number); i++) sourceOf[i] = n;
  }
  return sourceOf[e] as number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string' }, top: { type: 'string' } } });
const per = Number(values.per ?? 1);
const top = Number(values.top ?? 40);
const [afterFile, beforeFile] = positionals;
if (afterFile === undefined) throw new Error('usage: heap-summary.ts AFTER.heapsnapshot [BEFORE.heapsnapshot] [--per N] [--top K]');
const after = load(afterFile);
const total = after.selfSize.reduce((a, b) => a + b, 0);
console.log(`${afterFile}: ${after.count} nodes, ${(total / 1048576).toFixed(1)} MiB self size`);
const classesAfter = byClass(after);
const classesBefore = beforeFile === undefined ? new Map<string, { size: number; count: number }>() : byClass(load(beforeFile));
const rows = [...new Set([...classesAfter.keys(), ...classesBefore.keys()])].map((key) => {
  const a = classesAfter.get(key) ?? { size: 0, count: 0 };
  const b = classesBefore.get(key) ?? { size: 0, count: 0 };
  return { key, size: (a.size - b.size) / per, count: (a.count - b.count) / per };
});
rows.sort((x, y) => Math.abs(y.size) - Math.abs(x.size));
console.log(`\nby class${beforeFile ? ' (after - before)' : ''}${per !== 1 ? ` / ${per}` : ''}: bytes, count`);
for (const r of rows.slice(0, top)) console.log(`${r.size.toFixed(per !== 1 ? 1 : 0).padStart(12)} ${r.count.toFixed(per !== 1 ? 2 : 0).padStart(10)}  ${r.key}`);

const { idom, order, parentEdge } = dominators(after);
const retained = Float64Array.from(after.selfSize);
for (const n of order) if (n !== 0) retained[idom[n] as number]! += retained[n] as number;
// Report objects (not arrays or internals) with the largest retained size that are not the root's synthetic children.
const candidates = [...order].filter((n) => {
  const t = after.nodeTypes[after.type[n] as number];
  return t === 'object' || t === 'closure';
});
candidates.sort((a, b) => (retained[b] as number) - (retained[a] as number));
console.log(`\nlargest retainers (retained KiB, self B, class, path from the roots)`);
for (const n of candidates.slice(0, top)) {
  console.log(`${((retained[n] as number) / 1024).toFixed(0).padStart(9)} ${String(after.selfSize[n]).padStart(7)}  ${className(after, n)}  ${pathTo(after, parentEdge, n)}`);
}

// Strings: how much of the heap is large strings (module sources kept for lazy compilation, big values).
const stringType = after.nodeTypes.indexOf('string');
const strings = [...order].filter((n) => after.type[n] === stringType);
const large = strings.filter((n) => (after.selfSize[n] as number) >= 4096);
const sum = (ns: number[]): number => ns.reduce((a, n) => a + (after.selfSize[n] as number), 0);
console.log(`\nstrings: ${strings.length} reachable, ${(sum(strings) / 1048576).toFixed(1)} MiB; ${large.length} of at least 4 KiB, ${(sum(large) / 1048576).toFixed(1)} MiB`);
const byHolder = new Map<string, number>();
for (const n of strings) {
  const e = parentEdge[n] as number;
  const holder = e < 0 ? '(root)' : `${className(after, findSource(after, e))}.${edgeLabel(after, e)}`;
  byHolder.set(holder, (byHolder.get(holder) ?? 0) + (after.selfSize[n] as number));
}
for (const [holder, size] of [...byHolder].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(size / 1024).toFixed(0).padStart(9)} KiB  held as ${holder}`);
large.sort((a, b) => (after.selfSize[b] as number) - (after.selfSize[a] as number));
for (const n of large.slice(0, 10)) console.log(`${((after.selfSize[n] as number) / 1024).toFixed(0).padStart(9)} KiB  ${JSON.stringify((after.strings[after.name[n] as number] ?? '').slice(0, 70))}`);
