/**
 * Cairn's reader under load: from the client's create request to the moment a `cairn/client` watch
 * on the namespace yields the committed, checked, typed value.
 */
import type { Etcd3 } from 'etcd3';
import { type Client, createClient, database, type Database } from '../src/client/index.ts';
import type { OperatorProcess } from '../tools/controlplane/operator-process.ts';
import { WARMUP } from './floor.ts';
import type { RawKube } from './raw-kube.ts';
import { openLoop, type Summary, summarize } from './stats.ts';
import { dataFor, entriesPath, entryBody } from './workload.ts';

export interface ReaderFigures {
  readonly applyToReaderMs: Summary;
  /** apply -> the put reaching a plain etcd watch in this process: the operator's part of the above. */
  readonly applyToEtcdWatchMs: Summary;
  /** Names whose yielded value was not the one applied. */
  readonly wrong: readonly string[];
}

/**
 * The reader's headline: Cairn started on its own namespace and prefix, a client on the store, WARMUP
 * creates not counted, then `samples` creates at `rate`, open loop; the operator stopped after.
 */
export async function measureReader(
  start: () => Promise<OperatorProcess>,
  kube: RawKube,
  etcd: Etcd3,
  target: { readonly endpoints: readonly string[]; readonly namespace: string; readonly prefix: string },
  settings: { readonly samples: number; readonly rate: number },
): Promise<ReaderFigures> {
  const operator = await start();
  const client = createClient({ endpoints: target.endpoints, prefix: target.prefix });
  try {
    const warm = Array.from({ length: WARMUP }, (_, i) => `read-warm-${i}`);
    const names = Array.from({ length: settings.samples }, (_, i) => `read-${i}`);
    const plain = { etcd, prefix: `${target.prefix}/data/${target.namespace}/` };
    const warmRun = await applyToReader(kube, client, plain, target.namespace, warm, settings.rate, 400_000);
    const run = await applyToReader(kube, client, plain, target.namespace, names, settings.rate, 300_000);
    return { applyToReaderMs: summarize(run.latencies), applyToEtcdWatchMs: summarize(run.etcdLatencies), wrong: [...warmRun.wrong, ...run.wrong] };
  } finally {
    await client.close();
    await operator.stop();
  }
}

export interface ReaderLatencies {
  readonly latencies: number[];
  /** The same creates, until their put reached a plain etcd watch. */
  readonly etcdLatencies: number[];
  /** Names whose yielded value was not the one applied (a wrong result, not a slow one). */
  readonly wrong: string[];
}

/** apply -> reader latencies (ms) of `names` created at `perSecond`, open loop, index `first` on. */
export async function applyToReader(kube: RawKube, client: Client, plain: { etcd: Etcd3; prefix: string }, namespace: string, names: readonly string[], perSecond: number, first: number): Promise<ReaderLatencies> {
  const waiters = new Map<string, (change: { at: number; host: string }) => void>();
  const committed = new Map<string, (at: number) => void>();
  const plainWatch = await plain.etcd.watch().prefix(plain.prefix).create();
  plainWatch.on('put', (kv) => committed.get(kv.key.toString().slice(plain.prefix.length))?.(performance.now()));
  const watch = client.watch<Database>(namespace, { schema: database });
  let started: () => void = () => undefined;
  const initial = new Promise<void>((resolve) => (started = resolve));
  const consumed = (async () => {
    for await (const change of watch) {
      const entries = change.type === 'put' ? [change.entry] : change.type === 'resync' ? change.snapshot.entries : [];
      for (const entry of entries) waiters.get(entry.key)?.({ at: performance.now(), host: entry.value.host });
      if (change.type === 'resync') started();
    }
  })();
  await initial; // the initial snapshot: from here on, every commit is yielded
  const latencies: number[] = [];
  const etcdLatencies: number[] = [];
  const wrong: string[] = [];
  try {
    await openLoop(names.length, perSecond, async (k) => {
      const name = names[k] as string;
      const yielded = new Promise<{ at: number; host: string }>((resolve) => waiters.set(name, resolve));
      const seen = new Promise<number>((resolve) => committed.set(name, resolve));
      const data = dataFor(first + k);
      const t0 = performance.now();
      await kube.send('POST', entriesPath(namespace), entryBody(namespace, name, data));
      const { at, host } = await yielded;
      latencies.push(at - t0);
      etcdLatencies.push((await seen) - t0);
      if (host !== data.host) wrong.push(name);
    });
  } finally {
    await watch.close();
    await consumed;
    await plainWatch.cancel();
  }
  return { latencies, etcdLatencies, wrong };
}
