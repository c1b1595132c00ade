/** Cairn under load, measured from the client's request to the watch event that shows Ready. */
import type { RawKube } from './raw-kube.ts';
import { bounded, openLoop } from './stats.ts';
import type { WatchTracker } from './watch-tracker.ts';
import { dataFor, entriesPath, entryBody } from './workload.ts';

/** apply -> Ready latencies (ms) of `count` creates sent at `perSecond`, open loop. */
export async function applyToReady(kube: RawKube, tracker: WatchTracker, namespace: string, names: readonly string[], perSecond: number, first: number): Promise<number[]> {
  const latencies: number[] = [];
  await openLoop(names.length, perSecond, async (k) => {
    const name = names[k] as string;
    const ready = tracker.whenReady(name, 1);
    const t0 = performance.now();
    await kube.send('POST', entriesPath(namespace), entryBody(namespace, name, dataFor(first + k)));
    latencies.push((await ready) - t0);
  });
  return latencies;
}

/** Seconds from the first create to the last Ready of `names`, created by `creators` clients. */
export async function bulkCreate(kube: RawKube, tracker: WatchTracker, namespace: string, names: readonly string[], creators: number, first: number): Promise<number> {
  const ready = names.map((name) => tracker.whenReady(name, 1));
  const t0 = performance.now();
  await bounded(names.length, creators, (k) => kube.send('POST', entriesPath(namespace), entryBody(namespace, names[k] as string, dataFor(first + k))).then(() => {}));
  const last = Math.max(...(await Promise.all(ready)));
  return (last - t0) / 1000;
}

/** update -> Ready latencies (ms): spec.data changed on `names` at `perSecond`, open loop. */
export async function updateChurn(kube: RawKube, tracker: WatchTracker, namespace: string, names: readonly string[], indexOf: (name: string) => number, perSecond: number): Promise<number[]> {
  const latencies: number[] = [];
  await openLoop(names.length, perSecond, async (k) => {
    const name = names[k] as string;
    const ready = tracker.whenReady(name, 2);
    const t0 = performance.now();
    await kube.send('PATCH', `${entriesPath(namespace)}/${name}`, { spec: { data: dataFor(indexOf(name), 2) } }, 'application/merge-patch+json');
    latencies.push((await ready) - t0);
  });
  return latencies;
}
