/**
 * The checker's rules 1 and 4 as they read for ConfigBundles (checker.ts keeps the entries' side).
 *
 * - Rule 1: a bundle Ready at (generation g, revision R, members) is g's whole set in etcd at R: g is
 *   a valid generation the driver wrote, status names g's members (key and hash, in spec order), and
 *   replaying etcd's log up to R, every member's data key holds its expected value under a meta
 *   record of this bundle, R being the newest mod_revision among those keys (the revision from which
 *   every member holds it: a commit's, or a later drift correction's).
 * - Rule 4, once settled: each bundle is Ready at its last generation with etcd holding exactly its
 *   members (and no other key owned by it), or Stalled for an invalid generation or a member key
 *   another live owner holds; never still being deleted.
 *
 * Guarantees: pure; reports through `report`.
 */
import { hashOf } from './expected.ts';
import type { BundleStatusSeen, FinalBundle } from './history.ts';
import { type HistoryIndex, parseMeta, short } from './history-index.ts';
import type { Report } from './bundle-store-rules.ts';
import type { StoreReplay } from './store-replay.ts';

/** Rule 1 for bundles: collects the Ready statuses by revision, checks each once etcd's replay reaches it. */
export class BundleReadyRule {
  private readonly pending = new Map<number, BundleStatusSeen[]>();
  private readonly index: HistoryIndex;
  private readonly report: Report;

  constructor(index: HistoryIndex, report: Report) {
    this.index = index;
    this.report = report;
    const seen = new Set<string>();
    for (const s of index.history.bundleStatuses) {
      if (s.ready !== 'True') continue;
      const id = `${s.uid}#${s.observedGeneration}@${s.revision}/${s.members?.map((m) => `${m.key}=${m.dataHash}`).join(',')}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const list = this.pending.get(s.revision ?? -1) ?? [];
      list.push(s);
      this.pending.set(s.revision ?? -1, list);
    }
  }

  /** Checks the statuses naming `revision` against the store as replayed up to it. */
  at(revision: number, state: StoreReplay): void {
    for (const s of this.pending.get(revision) ?? []) this.check(s, state);
    this.pending.delete(revision);
  }

  /** Statuses naming a revision etcd's log never reached. */
  finish(): void {
    for (const list of this.pending.values()) {
      for (const s of list) this.report(1, this.firstKey(s), `bundle ${s.namespace}/${s.name} Ready at rev ${s.revision ?? '(none)'}, a revision at which etcd changed nothing under the prefix`);
    }
  }

  private firstKey(s: BundleStatusSeen): string {
    return s.members?.[0]?.key ?? this.index.bundleGeneration(s.uid, s.observedGeneration)?.members[0]?.dataKey ?? `bundle ${s.namespace}/${s.name}`;
  }

  private check(s: BundleStatusSeen, state: StoreReplay): void {
    const who = `bundle ${s.namespace}/${s.name}`;
    const key = this.firstKey(s);
    const generation = this.index.bundleGeneration(s.uid, s.observedGeneration);
    if (generation === undefined) return this.report(1, key, `${who} Ready at gen ${s.observedGeneration}, a generation the driver never wrote`);
    if (!generation.valid) return this.report(1, key, `${who} Ready at INVALID gen ${generation.generation}`);
    const named = (s.members ?? []).map((m) => `${m.key}=${short(m.dataHash)}`).join(', ');
    const expected = generation.members.map((m) => `${m.dataKey}=${short(m.hash)}`).join(', ');
    if (named !== expected) this.report(1, key, `${who} Ready at gen ${generation.generation} names members [${named}]; that generation's are [${expected}]`);
    let newest = 0;
    for (const member of generation.members) {
      const data = state.get(member.dataKey);
      const metaKey = this.index.metaKeyOf(member.dataKey);
      const meta = parseMeta(state.get(metaKey)?.value);
      newest = Math.max(newest, data?.modRevision ?? 0, state.get(metaKey)?.modRevision ?? 0);
      if (data?.value !== member.canonical) this.report(1, member.dataKey, `${who} Ready at rev ${s.revision}, but at that revision etcd holds ${data === undefined ? 'nothing' : short(hashOf(data.value))} there, not gen ${generation.generation}'s ${short(member.hash)}`);
      if (meta?.uid !== s.uid) this.report(1, member.dataKey, `${who} Ready at rev ${s.revision}, but at that revision the member's meta names ${meta?.uid ?? 'no owner'}, not uid ${s.uid}`);
    }
    if (newest !== s.revision) this.report(1, key, `${who} Ready at rev ${s.revision}, but its members' keys last changed at rev ${newest}`);
  }
}

/** Rule 4 for the bundles still held once settled. `live`: every uid the apiserver still holds. Returns the bundles checked. */
export function checkSettledBundles(index: HistoryIndex, report: Report, bundles: readonly FinalBundle[], etcd: Readonly<Record<string, string>>, live: ReadonlySet<string>): number {
  for (const bundle of bundles) checkSettledBundle(index, report, bundle, etcd, live);
  return bundles.length;
}

function checkSettledBundle(index: HistoryIndex, report: Report, bundle: FinalBundle, etcd: Readonly<Record<string, string>>, live: ReadonlySet<string>): void {
  const who = `bundle ${bundle.namespace}/${bundle.name}`;
  const last = index.bundleGeneration(bundle.uid, bundle.generation);
  const key = last?.members[0]?.dataKey ?? who;
  if (bundle.deleting) return report(4, key, `${who} is still being deleted once settled (finalizer not released)`);
  if (last === undefined) return report(4, who, `${who} is at gen ${bundle.generation}, which the driver never saw`);
  const s = bundle.status;
  const state = `Ready=${s?.ready ?? '-'} ${s?.reason ?? ''} observed ${s?.observedGeneration ?? '-'} of ${bundle.generation}`;
  if (s?.observedGeneration !== bundle.generation) return report(4, key, `${who} never observed its last gen (${state})`);
  if (!last.valid) {
    if (s.ready === 'True' || !s.stalled) report(4, key, `${who}'s last gen is invalid, yet it is not Stalled (${state})`);
    return;
  }
  const owners = last.members.map((m) => ({ key: m.dataKey, owner: parseMeta(etcd[index.metaKeyOf(m.dataKey)]) }));
  const taken = owners.find((o) => o.owner !== undefined && o.owner.uid !== bundle.uid && live.has(o.owner.uid));
  if (taken !== undefined) {
    if (!s.stalled || s.reason !== 'KeyConflict') report(4, taken.key, `${who} shares ${taken.key} with the owner ${index.nameOf(taken.owner?.uid ?? '')} but is not Stalled KeyConflict (${state})`);
    return;
  }
  if (s.ready !== 'True') return report(4, key, `${who} is not Ready at its last gen once settled (${state})`);
  for (const member of last.members) {
    const owner = parseMeta(etcd[index.metaKeyOf(member.dataKey)]);
    if (owner?.uid !== bundle.uid || owner.generation > bundle.generation) report(4, member.dataKey, `${who} is Ready but etcd's meta there names ${owner === undefined ? 'no owner' : `uid ${owner.uid} gen ${owner.generation}`} (${state})`);
    const value = etcd[member.dataKey];
    if (value !== member.canonical) report(4, member.dataKey, `etcd holds ${value === undefined ? 'nothing' : short(hashOf(value))} for ${who}, not its last gen's ${short(member.hash)}`);
  }
  const members = new Set(last.members.map((m) => index.metaKeyOf(m.dataKey)));
  for (const [metaKey, value] of Object.entries(etcd)) {
    if (metaKey.startsWith(index.metaRoot) && !members.has(metaKey) && parseMeta(value)?.uid === bundle.uid) report(4, index.dataKeyOf(metaKey), `${who}'s last gen has no member here, yet etcd's meta still names it once settled`);
  }
}
