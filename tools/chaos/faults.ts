/**
 * The faults, each bounded in time: inject() breaks something, waits, heals it, and returns a line
 * saying what it did (for the run's log). Processes are reached by pid, connections through the
 * rig's FaultProxies; durations come from the run's seeded PRNG.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import type { ApiServerHandle } from './apiserver.ts';
import type { EntryLog } from './api-log.ts';
import { type EtcdHistory, nextCommit } from './etcd-history.ts';
import type { Prng } from './prng.ts';
import { retrying } from './retrying.ts';
import { LEASE_SECONDS, type Rig } from './rig.ts';
import type { Workload } from './workload.ts';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface FaultContext {
  readonly rig: Rig;
  readonly apiserver: ApiServerHandle;
  readonly history: EtcdHistory;
  readonly workload: Workload;
  readonly entries: EntryLog;
  readonly rng: Prng;
  readonly etcdctl: string;
}

/** What a fault acts on; faults that share none may overlap. */
export type FaultTarget = 'operators' | 'store' | 'proxies' | 'apiserver';

export interface Fault {
  readonly name: string;
  readonly targets: readonly FaultTarget[];
  /** False when this run's rig cannot host the fault (one etcd member, a shared apiserver, no quota). */
  readonly fits: (ctx: FaultContext) => boolean;
  readonly inject: (ctx: FaultContext) => Promise<string>;
}

const always = (): boolean => true;
const threeMembers = (ctx: FaultContext): boolean => ctx.rig.store.size === 3;

/** The next commit's revision under the run's prefix, or undefined after `timeoutMs`. */
function nextCommitOf(ctx: FaultContext, timeoutMs: number, onSeen: (revision: number) => void = () => undefined): Promise<number | undefined> {
  return nextCommit(ctx.rig.store.endpoints, ctx.rig.options.prefix, timeoutMs, onSeen);
}

/** SIGKILL that tolerates a process already gone. */
function killQuietly(pid: number): boolean {
  try {
    return process.kill(pid, 'SIGKILL');
  } catch {
    return false;
  }
}

export const FAULTS: readonly Fault[] = [
  {
    name: 'operator-kill',
    targets: ['operators'],
    fits: always,
    inject: async (ctx) => {
      const at = await ctx.rig.leaderOrAny();
      const who = ctx.rig.identityOf(at);
      await ctx.rig.killReplica(at);
      const downMs = ctx.rng.int(300, 1_500);
      await sleep(downMs);
      await ctx.rig.startReplica(at);
      return `SIGKILL ${who} (leader), restarted after ${downMs} ms as ${ctx.rig.identityOf(at)}`;
    },
  },
  {
    name: 'operator-kill-after-commit',
    targets: ['operators'],
    fits: always,
    inject: async (ctx) => {
      const at = await ctx.rig.leaderOrAny();
      const who = ctx.rig.identityOf(at);
      const pid = ctx.rig.pidOf(at);
      // SIGKILL from inside the etcd watch callback: the commit is in etcd, its status write is not yet out.
      const revision = await nextCommitOf(ctx, 15_000, () => pid !== undefined && killQuietly(pid));
      await ctx.rig.killReplica(at);
      const statusSeen = revision !== undefined && ctx.entries.statuses.some((s) => s.revision === revision);
      await sleep(ctx.rng.int(300, 1_500));
      await ctx.rig.startReplica(at);
      return revision === undefined
        ? `no commit within 15 s; SIGKILL ${who} anyway, restarted`
        : `SIGKILL ${who} on seeing its commit at rev ${revision} (its status ${statusSeen ? 'was already' : 'not yet'} written), restarted`;
    },
  },
  {
    name: 'leader-pause',
    targets: ['operators'],
    fits: always,
    inject: async (ctx) => {
      const at = await ctx.rig.leaderOrAny();
      const who = ctx.rig.identityOf(at);
      const pausedMs = LEASE_SECONDS * 1000 + ctx.rng.int(1_500, 3_000);
      ctx.rig.signalReplica(at, 'SIGSTOP');
      await sleep(pausedMs);
      const successor = await ctx.rig.leader();
      ctx.rig.signalReplica(at, 'SIGCONT');
      return `SIGSTOP ${who} (leader) for ${pausedMs} ms (Lease ${LEASE_SECONDS} s); Lease held by ${successor === undefined ? 'nobody' : ctx.rig.identityOf(successor)} at SIGCONT`;
    },
  },
  {
    name: 'etcd-leader-kill',
    targets: ['store'],
    fits: threeMembers,
    inject: async (ctx) => {
      const at = (await ctx.rig.storeLeader()) ?? 0;
      await ctx.rig.store.kill(at);
      const downMs = ctx.rng.int(500, 3_000);
      await sleep(downMs);
      await ctx.rig.store.restart(at);
      return `SIGKILL etcd member ${at} (raft leader), restarted after ${downMs} ms`;
    },
  },
  {
    name: 'etcd-follower-pause',
    targets: ['store'],
    fits: threeMembers,
    inject: async (ctx) => {
      const leader = (await ctx.rig.storeLeader()) ?? 0;
      const at = (leader + ctx.rng.int(1, 2)) % 3;
      const pausedMs = ctx.rng.int(2_000, 5_000);
      ctx.rig.store.pause(at);
      await sleep(pausedMs);
      ctx.rig.store.resume(at);
      return `SIGSTOP etcd member ${at} (a follower) for ${pausedMs} ms`;
    },
  },
  {
    name: 'etcd-quorum-loss',
    targets: ['store'],
    fits: threeMembers,
    inject: async (ctx) => {
      const spared = ctx.rng.int(0, 2);
      const lost = [0, 1, 2].filter((i) => i !== spared);
      await Promise.all(lost.map((i) => ctx.rig.store.kill(i)));
      const downMs = ctx.rng.int(2_000, 5_000);
      await sleep(downMs);
      await Promise.all(lost.map((i) => ctx.rig.store.restart(i)));
      return `SIGKILL etcd members ${lost.join(' and ')} (quorum lost) for ${downMs} ms, restarted`;
    },
  },
  {
    name: 'commit-reply-lost',
    targets: ['proxies'],
    fits: always,
    inject: async (ctx) => {
      for (const p of ctx.rig.storeProxies) p.set('dropReplies');
      const revision = await nextCommitOf(ctx, 8_000);
      await sleep(300);
      for (const p of ctx.rig.storeProxies) p.set('forward');
      return revision === undefined ? 'dropped every etcd reply for 8 s (no commit landed meanwhile)' : `dropped every etcd reply until commit rev ${revision} landed unanswered, then broke the connections`;
    },
  },
  {
    name: 'apiserver-kill',
    targets: ['apiserver'],
    fits: (ctx) => ctx.apiserver.restart !== undefined,
    inject: async (ctx) => {
      const downMs = ctx.rng.int(1_000, 3_000);
      await ctx.apiserver.restart?.(downMs);
      return `SIGKILL kube-apiserver, restarted after ${downMs} ms (and its start-up)`;
    },
  },
  {
    name: 'compaction-behind',
    targets: ['proxies', 'store'],
    fits: always,
    inject: async (ctx) => {
      // Cut the operators off etcd, change committed values, compact past them, heal: every watch
      // must resume from a compacted revision and re-read.
      for (const p of ctx.rig.storeProxies) p.set('cut');
      await sleep(500);
      const edited = await ctx.workload.driftNow(3).catch(() => 0);
      const revision = await retrying('compact', () => ctx.history.compactAfterRecording());
      await sleep(ctx.rng.int(500, 1_500));
      for (const p of ctx.rig.storeProxies) p.set('forward');
      return `cut the operators off etcd, edited ${edited} committed values behind them, compacted at rev ${revision}, healed`;
    },
  },
  {
    name: 'etcd-no-space',
    targets: ['store', 'proxies'],
    fits: (ctx) => ctx.rig.options.quotaBytes !== undefined,
    inject: async (ctx) => {
      const endpoints = ctx.rig.store.endpoints.join(',');
      const held = await retrying('hold the history', () => ctx.history.hold());
      // A client of its own: the refused puts must not open the circuit breaker of the harness's client.
      const filler = new Etcd3({ hosts: [...ctx.rig.store.endpoints] });
      const junk = 'x'.repeat(512 * 1024);
      let puts = 0;
      let failures = 0;
      while (puts < 400 && failures < 20) {
        const outcome = await filler.put(`/chaos-junk/${puts}`).value(junk).exec().then(() => 'stored', (e: unknown) => (String(e).includes('space') ? 'full' : 'failed'));
        if (outcome === 'full') break;
        if (outcome === 'stored') puts++;
        else failures++;
      }
      filler.close();
      const heldMs = ctx.rng.int(2_000, 4_000);
      await sleep(heldMs);
      const seen = `${summarizeMetrics(await ctx.rig.metricsOfLeader())}; status reasons ${reasonCounts(ctx.entries)}`;
      await retrying('delete the junk', () => ctx.history.client.delete().prefix('/chaos-junk/').exec());
      await ctx.history.compactAfterRecording(held);
      await retrying('defragment', () => run(ctx.etcdctl, [`--endpoints=${endpoints}`, 'defrag', '--cluster']));
      await retrying('disarm the alarm', () => run(ctx.etcdctl, [`--endpoints=${endpoints}`, 'alarm', 'disarm']));
      return `filled the store (${puts} puts of 512 KiB) until NOSPACE, held ${heldMs} ms (operator metrics then: ${seen}), freed, compacted, defragmented, alarm disarmed`;
    },
  },
];

/** The etcd transaction results counted so far, from a /metrics text: what a user sees on a dashboard. */
function summarizeMetrics(text: string): string {
  const lines = text.split('\n').filter((l) => l.startsWith('cairn_etcd_txn') && l.includes('result='));
  return lines.length === 0 ? '(none)' : lines.map((l) => l.replace(/^cairn_/, '')).join('; ');
}

/** How many entries show each Ready reason now, e.g. `Committed 40, EtcdUnavailable 3`. */
export function reasonCounts(entries: EntryLog): string {
  const counts = new Map<string, number>();
  for (const s of entries.latest.values()) counts.set(s.reason ?? '-', (counts.get(s.reason ?? '-') ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${reason} ${n}`).join(', ');
}

export function faultNamed(name: string): Fault {
  const fault = FAULTS.find((f) => f.name === name);
  if (fault === undefined) throw new Error(`no fault named ${name}; known: ${FAULTS.map((f) => f.name).join(', ')}`);
  return fault;
}
