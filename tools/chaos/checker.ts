/**
 * The chaos suite's checker: a pure function from a run's History to its violations, in the manner
 * of Jepsen's checkers and etcd's robustness validation. It trusts only the witnesses in the history
 * (the driver's expectations, the statuses the apiserver served, etcd's own change log) and reads
 * Cairn's etcd layout with its own parser, so a bug in the operator's code cannot hide itself here.
 *
 * Rules (a violation names its rule, the key, and the part of the history that breaks it):
 *  1. every Ready status at (generation g, revision R, hash h) matches etcd's history: g is a valid
 *     generation whose expected hash is h, and the data key was put at mod_revision R with a value of
 *     hash h, together with a meta record of this entry;
 *  2. per key, etcd follows the owners' generations in order: a data put comes with its meta in the
 *     same revision (or is one of the driver's own drift edits), holds exactly the value its
 *     generation expects, never an older generation after a newer one, never over another entry's
 *     key; its meta record names the fence etcd held at that revision (a record that states its
 *     compare truthfully: etcd applies a transaction only while its fence compare holds, so this
 *     checks what Cairn writes into meta, not fencing); and, fencing, every commit an operator
 *     process logged was made at a revision where the fence named that process as its holder (a
 *     deposed leader's write: the fence's holder from etcd, the writer from the replica's own log);
 *  3. no value of an invalid generation ever appears;
 *  4. once settled: every entry is Ready at its last generation with etcd holding exactly that value
 *     (or Stalled for an invalid generation or a key another entry owns), deleted entries are gone
 *     and left no keys, no key is left without an owner, no process leaked;
 *  5. a ConfigBundle's generation is one transaction that readers see whole: after every revision,
 *     in etcd's log and in what the live reader observed, the keys whose meta names a bundle are
 *     exactly one generation's members, all with one meta mod_revision, and the bundle's record
 *     (`P/bundles/<namespace>/<name>`) names that generation and those members, written with them.
 *
 * Rules 1 to 4 hold for bundles as for entries, member by member (bundle-store-rules.ts and
 * bundle-status-rules.ts say how each reads there); no key ever has two owners, whatever their kinds.
 *
 * Guarantees: pure and deterministic (same history, same verdict); never throws on a malformed
 * history, which is itself reported as violations.
 */
import { bundleKeysOf, checkBundleChanges, checkWhole, recordOwners, type Report, type Rule } from './bundle-store-rules.ts';
import { BundleReadyRule, checkSettledBundles } from './bundle-status-rules.ts';
import { hashOf } from './expected.ts';
import type { EtcdChange, FinalEntry, History, StatusSeen } from './history.ts';
import { HistoryIndex, type MetaRecord, parseMeta, parseRecord, short } from './history-index.ts';
import { StoreReplay } from './store-replay.ts';

export interface Violation {
  readonly rule: Rule;
  readonly key: string;
  readonly message: string;
  /** The key's history that breaks the rule: generations, etcd changes and statuses, oldest first. */
  readonly history: readonly string[];
}

export interface Verdict {
  readonly operations: number;
  readonly violations: readonly Violation[];
}

export function check(history: History): Verdict {
  const index = new HistoryIndex(history);
  const violations: Violation[] = [];
  const report: Report = (rule, key, message) => {
    violations.push({ rule, key, message, history: index.story(key) });
  };
  const checkedStore = checkStore(index, report);
  const checkedReader = checkReader(index, report);
  const checkedStatuses = checkStatuses(index, report);
  const checkedClaims = checkClaims(index, report);
  const checkedFinal = checkFinal(index, report);
  const written = history.generations.length + history.bundleGenerations.length + history.deletions.length;
  const operations = written + checkedStore + checkedReader + checkedStatuses + checkedClaims + checkedFinal;
  return { operations, violations };
}

/**
 * Rules 2 and 3 over etcd's change log, revision by revision (entries' keys here, bundles' in
 * bundle-store-rules.ts), rule 1 of bundles at the revision their Ready names, and rule 5 after each
 * revision that touched a bundle. Returns the changes and bundle states checked.
 */
function checkStore(index: HistoryIndex, report: Report): number {
  const state = new StoreReplay(index.metaRoot);
  const ready = new BundleReadyRule(index, report);
  const drift = new Set(index.history.driftEdits.map((d) => `${d.key}@${d.revision}`));
  let checked = 0;
  for (const [revision, changes] of [...index.revisions].sort((a, b) => a[0] - b[0])) {
    const bundleKeys = bundleKeysOf(index, changes, state);
    const touched = checkBundleChanges(index, report, revision, changes, bundleKeys, state, drift);
    for (const change of changes.values()) {
      checked++;
      if (change.key.startsWith(index.metaRoot)) {
        const dataKey = index.dataKeyOf(change.key);
        if (!changes.has(dataKey) && !bundleKeys.has(dataKey)) report(2, dataKey, `rev ${revision}: the meta key changed without its data key (not one transaction)`);
        continue;
      }
      if (!change.key.startsWith(index.dataRoot) || bundleKeys.has(change.key)) continue;
      const meta = changes.get(index.metaKeyOf(change.key));
      checkDataChange(index, report, state.meta(index.metaKeyOf(change.key)), drift, change, meta);
    }
    state.apply(changes.values());
    ready.at(revision, state);
    checked += checkWhole(index, report, state, touched, revision, 'etcd');
  }
  ready.finish();
  return checked;
}

/**
 * Rule 5 over what the live reader observed: its changes grouped by revision (a range read resets
 * its view), each bundle whose keys changed checked whole after each revision. Returns the
 * observations checked.
 */
function checkReader(index: HistoryIndex, report: Report): number {
  const state = new StoreReplay(index.metaRoot);
  const bundleOf = (value: string | undefined): string[] => {
    const record = parseMeta(value);
    return record?.ownerKind === 'ConfigBundle' ? [record.uid] : [];
  };
  for (const batch of byRevision(index.history.reader)) {
    if (batch.kind === 'snapshot') {
      state.reset(batch.keys);
      const owners = batch.keys.filter((kv) => kv.key.startsWith(index.metaRoot)).flatMap((kv) => bundleOf(kv.value));
      checkWhole(index, report, state, new Set(owners), batch.revision, 'the reader (range read)');
      continue;
    }
    const metaKeys = batch.changes.filter((c) => c.key.startsWith(index.metaRoot)).map((c) => c.key);
    const owners = new Set([...metaKeys.flatMap((k) => bundleOf(state.get(k)?.value)), ...recordOwners(index, new Map(batch.changes.map((c) => [c.key, c])), state)]);
    state.apply(batch.changes);
    for (const k of metaKeys) for (const uid of bundleOf(state.get(k)?.value)) owners.add(uid);
    checkWhole(index, report, state, owners, batch.revision, 'the reader');
  }
  return index.history.reader.length;
}

/** The reader's observations as its revisions: the changes of one revision together, a range read alone. */
function byRevision(observed: History['reader']): ({ kind: 'changes'; revision: number; changes: EtcdChange[] } | Extract<History['reader'][number], { kind: 'snapshot' }>)[] {
  const batches: ReturnType<typeof byRevision> = [];
  for (const o of observed) {
    const last = batches.at(-1);
    if (o.kind === 'snapshot') batches.push(o);
    else if (last?.kind === 'changes' && last.revision === o.change.revision) last.changes.push(o.change);
    else batches.push({ kind: 'changes', revision: o.change.revision, changes: [o.change] });
  }
  return batches;
}

function checkDataChange(index: HistoryIndex, report: Report, owner: MetaRecord | undefined, drift: Set<string>, change: EtcdChange, meta: EtcdChange | undefined): void {
  const { key, revision } = change;
  if (meta === undefined) {
    if (!drift.has(`${key}@${revision}`)) report(2, key, `rev ${revision}: the data key was ${change.type === 'put' ? 'put' : 'deleted'} without its meta, and not by the driver's drift edit`);
    return;
  }
  if (change.type === 'delete' || meta.type === 'delete') {
    if (change.type !== meta.type) return report(2, key, `rev ${revision}: data ${change.type} with meta ${meta.type} in one revision`);
    if (owner === undefined) return report(2, key, `rev ${revision}: deleted a key no entry owned`);
    if (!index.history.deletions.some((d) => d.uid === owner.uid)) report(2, key, `rev ${revision}: deleted the keys of ${index.nameOf(owner.uid)}, which was never deleted`);
    return;
  }
  const record = parseMeta(meta.value);
  if (record === undefined) return report(2, key, `rev ${revision}: a meta record the checker cannot read`);
  const value = change.value ?? '';
  const generation = index.generation(record.uid, record.generation);
  if (generation === undefined) return report(2, key, `rev ${revision}: written for uid ${record.uid} gen ${record.generation}, a generation the driver never wrote`);
  if (!generation.valid) return report(3, key, `rev ${revision}: the value of INVALID generation ${generation.generation} of ${generation.namespace}/${generation.name} reached etcd`);
  if (generation.dataKey !== key) report(2, key, `rev ${revision}: ${generation.namespace}/${generation.name} names ${generation.dataKey}, not this key`);
  if (value !== generation.canonical) {
    const invalid = (index.byKey.get(key) ?? []).find((g) => !g.valid && g.canonical === value);
    if (invalid) report(3, key, `rev ${revision}: etcd holds the data of INVALID generation ${invalid.generation} of ${invalid.namespace}/${invalid.name}`);
    else report(2, key, `rev ${revision}: a value gen ${generation.generation} never had (hash ${short(hashOf(value))}, expected ${short(generation.hash)})`);
  }
  if (record.dataHash !== hashOf(value)) report(2, key, `rev ${revision}: meta says hash ${short(record.dataHash)} but the data hashes to ${short(hashOf(value))}`);
  const fence = index.fenceProblem(revision, record);
  if (fence !== undefined) report(2, key, `rev ${revision}: ${fence}`);
  if (owner !== undefined && owner.uid !== record.uid) {
    report(2, key, `rev ${revision}: ${generation.namespace}/${generation.name} wrote over a key owned by ${index.nameOf(owner.uid)}`);
  } else if (owner !== undefined && owner.generation > record.generation) {
    report(2, key, `rev ${revision}: gen ${record.generation} written after gen ${owner.generation} (an older generation after a newer one)`);
  }
}

/** Rule 1: each Ready status names a commit etcd really made. Returns the statuses checked. */
function checkStatuses(index: HistoryIndex, report: Report): number {
  const seen = new Set<string>();
  for (const s of index.history.statuses) {
    if (s.ready !== 'True') continue;
    const id = `${s.uid}#${s.observedGeneration}@${s.revision}/${s.dataHash}`;
    if (seen.has(id)) continue;
    seen.add(id);
    checkReady(index, report, s);
  }
  return index.history.statuses.length;
}

function checkReady(index: HistoryIndex, report: Report, s: StatusSeen): void {
  const who = `${s.namespace}/${s.name}`;
  const generation = index.generation(s.uid, s.observedGeneration);
  const key = generation?.dataKey ?? s.key ?? `${who} (no key)`;
  if (generation === undefined) return report(1, key, `${who} Ready at gen ${s.observedGeneration}, a generation the driver never wrote`);
  if (!generation.valid) return report(1, key, `${who} Ready at INVALID gen ${generation.generation}`);
  if (s.dataHash !== generation.hash) return report(1, key, `${who} Ready at gen ${generation.generation} with hash ${short(s.dataHash)}; that generation's value hashes to ${short(generation.hash)}`);
  if (s.key !== undefined && s.key !== generation.dataKey) report(1, key, `${who} Ready names key ${s.key}`);
  if (s.revision === undefined) return report(1, key, `${who} Ready at gen ${generation.generation} without a revision`);
  const data = index.change(s.revision, generation.dataKey);
  const meta = parseMeta(index.change(s.revision, index.metaKeyOf(generation.dataKey))?.value);
  if (data?.type !== 'put') return report(1, key, `${who} Ready at rev ${s.revision}, but etcd did not put the data key at that revision`);
  if (hashOf(data.value ?? '') !== s.dataHash) return report(1, key, `${who} Ready at rev ${s.revision} with hash ${short(s.dataHash)}; etcd put ${short(hashOf(data.value ?? ''))} there`);
  if (meta?.uid !== s.uid) report(1, key, `${who} Ready at rev ${s.revision}, but that revision's meta names ${meta?.uid ?? 'no entry'}, not uid ${s.uid}`);
}

/**
 * Rule 2, fencing: each commit a replica logged was made while the fence named it as holder (a
 * replica's own moves keep its identity in the record, so its whole lineage counts). The fence's
 * holder comes from etcd, the writer from the replica's log: two witnesses, neither the checked code.
 */
function checkClaims(index: HistoryIndex, report: Report): number {
  let checked = 0;
  for (const replica of index.history.replicas) {
    for (const revision of replica.commits) {
      checked++;
      const fence = index.fenceAt(revision);
      const changes = [...(index.revisions.get(revision)?.keys() ?? [])];
      const key = changes.find((k) => k.startsWith(index.dataRoot)) ?? `${index.fenceKey} (rev ${revision})`;
      if (fence === undefined) report(2, key, `rev ${revision}: ${replica.identity} committed before any fence was written`);
      else if (fence.holder !== replica.identity) report(2, key, `rev ${revision}: ${replica.identity} committed while the fence (rev ${fence.revision}) was held by ${fence.holder ?? 'nobody readable'}: a write by a deposed leader`);
    }
  }
  return checked;
}

/** Rule 4 on the settled state. Returns the entries and keys checked. */
function checkFinal(index: HistoryIndex, report: Report): number {
  const final = index.history.final;
  if (final === undefined) return 0;
  const live = new Set([...final.entries, ...final.bundles].map((e) => e.uid));
  for (const entry of final.entries) checkSettledEntry(index, report, entry, final.etcd, live);
  checkSettledBundles(index, report, final.bundles, final.etcd, live);
  const released = index.releasedByRetain();
  for (const d of index.history.deletions) {
    if (live.has(d.uid)) continue;
    for (const [key, value] of Object.entries(final.etcd)) {
      if (key.startsWith(index.metaRoot) && parseMeta(value)?.uid === d.uid) report(4, index.dataKeyOf(key), `${d.namespace}/${d.name} was deleted but its keys are still in etcd`);
    }
  }
  for (const [key, value] of Object.entries(final.etcd)) {
    if (key.startsWith(index.dataRoot) && final.etcd[index.metaKeyOf(key)] === undefined && !released.has(key)) report(4, key, 'a data key without its meta record once settled');
    const record = key.startsWith(index.recordRoot) ? parseRecord(value) : undefined;
    if (record !== undefined && !live.has(record.uid)) report(4, key, `a bundle record naming uid ${record.uid}, which no live bundle has`);
    const owner = key.startsWith(index.metaRoot) ? parseMeta(value) : undefined;
    if (owner !== undefined && !live.has(owner.uid) && !index.history.deletions.some((d) => d.uid === owner.uid)) report(4, index.dataKeyOf(key), `owned by uid ${owner.uid}, which no live entry or bundle has`);
  }
  for (const pid of final.leakedPids) report(4, `pid ${pid}`, `process ${pid} outlived the run`);
  return final.entries.length + final.bundles.length + Object.keys(final.etcd).length;
}

function checkSettledEntry(index: HistoryIndex, report: Report, entry: FinalEntry, etcd: Readonly<Record<string, string>>, live: Set<string>): void {
  const who = `${entry.namespace}/${entry.name}`;
  const last = index.generation(entry.uid, entry.generation);
  if (entry.deleting) return report(4, last?.dataKey ?? who, `${who} is still being deleted once settled (finalizer not released)`);
  if (last === undefined) return report(4, who, `${who} is at gen ${entry.generation}, which the driver never saw`);
  const s = entry.status;
  const state = `Ready=${s?.ready ?? '-'} ${s?.reason ?? ''} observed ${s?.observedGeneration ?? '-'} of ${entry.generation}`;
  if (s?.observedGeneration !== entry.generation) return report(4, last.dataKey, `${who} never observed its last gen (${state})`);
  const owner = parseMeta(etcd[index.metaKeyOf(last.dataKey)]);
  if (!last.valid) {
    if (s.ready === 'True' || !s.stalled) report(4, last.dataKey, `${who}'s last gen is invalid, yet it is not Stalled (${state})`);
    return;
  }
  if (owner !== undefined && owner.uid !== entry.uid && live.has(owner.uid)) {
    if (!s.stalled || s.reason !== 'KeyConflict') report(4, last.dataKey, `${who} shares its key with the owner ${index.nameOf(owner.uid)} but is not Stalled KeyConflict (${state})`);
    return;
  }
  if (owner?.uid !== entry.uid) return report(4, last.dataKey, `${who} is valid but etcd's meta names ${owner?.uid ?? 'no owner'} (${state})`);
  if (s.ready !== 'True' || s.dataHash !== last.hash) return report(4, last.dataKey, `${who} is not Ready at its last gen's hash once settled (${state}, hash ${short(s.dataHash)} vs ${short(last.hash)})`);
  const value = etcd[last.dataKey];
  if (value !== last.canonical) report(4, last.dataKey, `etcd holds ${value === undefined ? 'nothing' : short(hashOf(value))} for ${who}, not its last gen's ${short(last.hash)}`);
}

/** One line per violation plus its history, for people. */
export function formatViolation(v: Violation): string {
  return [`rule ${v.rule} violated at ${v.key}: ${v.message}`, ...v.history.map((line) => `    ${line}`)].join('\n');
}

/** The checker's last line. */
export function summary(verdict: Verdict): string {
  return `${verdict.operations} operations checked, ${verdict.violations.length} violations`;
}
