/**
 * The floor: what the parts cost on their own, measured with the fastest client setup (one pooled
 * connection per server), in the same run as Cairn.
 *  - create -> watch event (apiserver), sequential;
 *  - one etcd transaction of Cairn's shape (three compares, two puts), sequential;
 *  - status patch -> watch event (apiserver), sequential;
 *  - etcd watch event: from the transaction's answer to its put reaching a plain etcd watch on the
 *    data prefix (the reader's floor is create -> watch event + etcd txn + etcd watch event);
 *  - the raw pipeline: for N created objects, at the operator's concurrency, exactly one etcd
 *    transaction and one status patch each, from the first create to the last status event.
 */
import type { Etcd3 } from 'etcd3';
import { toEtcdTxn } from '../src/etcd/txn-request.ts';
import type { RawKube } from './raw-kube.ts';
import { type Summary, bounded, summarize } from './stats.ts';
import { WatchTracker } from './watch-tracker.ts';
import { canonicalOf, committedStatus, dataFor, entriesPath, entryBody, txnOfCairnShape } from './workload.ts';

export interface FloorLatency {
  readonly create: Summary;
  readonly txn: Summary;
  readonly statusPatch: Summary;
  readonly p50: number;
  readonly p99: number;
}

/** The Node floor also times the etcd watch event, the last part of the reader's floor. */
export interface NodeFloorLatency extends FloorLatency {
  readonly etcdWatch: Summary;
}

export interface BenchParts {
  readonly kube: RawKube;
  readonly etcd: Etcd3;
  readonly fence: { key: string; revision: string };
  readonly prefix: string;
}

/** Iterations run first and not counted: connections, caches and the JIT warm up. */
export const WARMUP = 20;

export async function measureFloorLatency(parts: BenchParts, namespace: string, samples: number): Promise<NodeFloorLatency> {
  const tracker = await WatchTracker.start(parts.kube, namespace);
  const etcdEvents = new Map<string, (at: number) => void>();
  const dataWatch = await parts.etcd.watch().prefix(`${parts.prefix}/data/${namespace}/`).create();
  dataWatch.on('put', (kv) => etcdEvents.get(kv.key.toString())?.(performance.now()));
  let create: number[] = [];
  let txn: number[] = [];
  let statusPatch: number[] = [];
  let etcdWatch: number[] = [];
  try {
    for (let i = 0; i < WARMUP + samples; i++) {
      if (i === WARMUP) [create, txn, statusPatch, etcdWatch] = [[], [], [], []];
      const name = `floor-${i}`;
      const data = dataFor(i);
      const added = tracker.whenAdded(name);
      const t0 = performance.now();
      await parts.kube.send('POST', entriesPath(namespace), entryBody(namespace, name, data));
      create.push((await added) - t0);

      const dataKey = `${parts.prefix}/data/${namespace}/${name}`;
      const watched = new Promise<number>((resolve) => etcdEvents.set(dataKey, resolve));
      const t1 = performance.now();
      const result = await parts.etcd.kv.txn(toEtcdTxn(txnOfCairnShape(parts.prefix, namespace, name, parts.fence, canonicalOf(data))));
      const answered = performance.now();
      txn.push(answered - t1);
      if (!result.succeeded) throw new Error(`floor transaction for ${name} failed its compares`);
      // The event may arrive before the answer: then the watch added nothing to the transaction.
      etcdWatch.push(Math.max(0, (await watched) - answered));
      etcdEvents.delete(dataKey);

      const revision = result.header.revision;
      const patched = tracker.when(name, (e) => e.type === 'MODIFIED' && (e.object.status as { revision?: string } | undefined)?.revision === revision);
      const t2 = performance.now();
      await parts.kube.send('PATCH', `${entriesPath(namespace)}/${name}/status`, committedStatus(1, name, revision), 'application/merge-patch+json');
      statusPatch.push((await patched) - t2);
    }
  } finally {
    tracker.close();
    await dataWatch.cancel();
  }
  const summaries = { create: summarize(create), txn: summarize(txn), statusPatch: summarize(statusPatch), etcdWatch: summarize(etcdWatch) };
  return {
    ...summaries,
    p50: summaries.create.p50 + summaries.txn.p50 + summaries.statusPatch.p50,
    p99: summaries.create.p99 + summaries.txn.p99 + summaries.statusPatch.p99,
  };
}

/**
 * The raw pipeline over `count` objects created by `creators` concurrent clients: a watch feeds a
 * queue that `concurrency` workers drain, one transaction and one status patch per object.
 * Returns seconds from the first create to the last status event.
 */
export async function measureRawPipeline(parts: BenchParts, namespace: string, count: number, creators: number, concurrency: number, first = 0): Promise<number> {
  // The observer's watch (like the benchmark's own, for Cairn) and the driver's watch (like any
  // controller's) are separate connections: the driver pays for its own watch, as Cairn does.
  const tracker = await WatchTracker.start(parts.kube, namespace);
  const driver = await WatchTracker.start(parts.kube, namespace);
  const queue: string[] = [];
  const idle: (() => void)[] = [];
  const enqueue = (name: string): void => {
    queue.push(name);
    idle.shift()?.();
  };
  const names = Array.from({ length: count }, (_, i) => `raw-${first + i}`);
  const done = names.map((name) => tracker.when(name, (e) => e.type === 'MODIFIED' && e.object.status?.observedGeneration === 1));
  for (const name of names) void driver.whenAdded(name).then(() => enqueue(name));
  let remaining = count;
  const worker = async (): Promise<void> => {
    while (remaining > 0) {
      const name = queue.shift();
      if (name === undefined) {
        await new Promise<void>((r) => idle.push(r));
        continue;
      }
      remaining -= 1;
      const i = Number(name.slice(4));
      const result = await parts.etcd.kv.txn(toEtcdTxn(txnOfCairnShape(parts.prefix, namespace, name, parts.fence, canonicalOf(dataFor(i)))));
      await parts.kube.send('PATCH', `${entriesPath(namespace)}/${name}/status`, committedStatus(1, name, result.header.revision), 'application/merge-patch+json');
    }
  };
  const t0 = performance.now();
  const workers = Array.from({ length: concurrency }, worker);
  await bounded(count, creators, (k) => parts.kube.send('POST', entriesPath(namespace), entryBody(namespace, names[k] as string, dataFor(first + k))).then(() => {}));
  const last = Math.max(...(await Promise.all(done)));
  remaining = 0;
  for (const resolve of idle.splice(0)) resolve();
  await Promise.all(workers);
  tracker.close();
  driver.close();
  return (last - t0) / 1000;
}
