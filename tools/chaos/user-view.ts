/**
 * What a user would have seen during a fault: the statuses the apiserver served, the Events the
 * operator recorded, and how the operators' counters moved. The README's fault table quotes these
 * lines from the runs that prove it.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { EntryLog } from './api-log.ts';
import type { Rig } from './rig.ts';

const COUNTERS = /^cairn_(etcd_txn_total|informer_relists_total|drift_total)(\{[^}]*\})? (\d+)/;

export type Counters = Map<string, number>;

/** Every counter of interest of every running replica, keyed `identity counter{labels}`. */
export async function readCounters(rig: Rig): Promise<Counters> {
  const counters: Counters = new Map();
  for (const [identity, text] of await rig.metricsByIdentity()) {
    for (const line of text.split('\n')) {
      const m = COUNTERS.exec(line);
      if (m) counters.set(`${identity} ${m[1]}${m[2] ?? ''}`, Number(m[3]));
    }
  }
  return counters;
}

/** Summed increases of each counter (across replicas) between two readings. */
function increases(before: Counters, after: Counters): string {
  const sums = new Map<string, number>();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    const name = key.slice(key.indexOf(' ') + 1).replace(/^etcd_txn_total\{result="(\w+)"\}$/, 'txn $1');
    if (delta > 0) sums.set(name, (sums.get(name) ?? 0) + delta);
  }
  return [...sums].map(([name, n]) => `${name} +${n}`).join(', ') || 'none';
}

function count(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([item, n]) => `${item} ${n}`).join(', ') || 'none';
}

/** One line: statuses, Events and counter increases seen since `since` (ms epoch). */
export async function describeUserView(kc: KubeConfig, namespace: string, entries: EntryLog, since: number, before: Counters, rig: Rig): Promise<string> {
  const statuses = entries.statuses.filter((s) => s.at >= since).map((s) => `${s.ready === 'True' ? 'Ready' : s.stalled ? 'Stalled' : 'Ready=' + (s.ready ?? '-')} ${s.reason ?? '-'}`);
  const events = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace })
    .then((list) => list.items.filter((e) => Date.parse(String(e.lastTimestamp ?? e.eventTime ?? 0)) >= since - 1_000).map((e) => `${e.type} ${e.reason}`), () => ['(events unreadable)']);
  return `statuses: ${count(statuses)}; events: ${count(events)}; counters: ${increases(before, await readCounters(rig))}`;
}
