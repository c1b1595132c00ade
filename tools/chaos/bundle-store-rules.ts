/**
 * The checker's rules over etcd's change log for keys that ConfigBundles own (checker.ts keeps the
 * entries' side): rules 2 and 3 as they read for a bundle's member keys, and rule 5, a bundle's
 * generation is one transaction that readers see whole.
 *
 * - Rule 2, per member key: a meta record naming a bundle names a generation the driver wrote that
 *   has this key as a member, with exactly that member's expected value in the data key (put in the
 *   same revision, or already there: an unchanged member's value is not rewritten) and the fence etcd
 *   held then; never an older generation after a newer one, never over a key another owner holds.
 *   A member's keys are deleted only by the bundle's deletion or by a generation of it committed in
 *   that same revision (a removed member), data and meta together under Delete, meta alone under
 *   Retain. A data put without meta is the driver's drift edit or a restore of the value the key's
 *   meta records (drift correction).
 * - Rule 3: no meta of an invalid generation, no value of an invalid member.
 * - Rule 5, after every revision that touched a bundle's keys (in etcd's log, and in what the live
 *   reader observed): the keys whose meta names the bundle are exactly the members of ONE generation,
 *   every one of their meta keys at the same mod_revision: never members of two generations visible
 *   at one revision, never a removed member still there, never a member missing. The bundle's
 *   record (`P/bundles/<namespace>/<name>`) names that generation and those members, written at the
 *   same revision as their meta; members are never visible without it.
 *
 * Guarantees: pure; reports through `report`, never throws on a malformed history.
 */
import { hashOf } from './expected.ts';
import type { EtcdChange } from './history.ts';
import { type HistoryIndex, type MetaRecord, parseMeta, parseRecord, short } from './history-index.ts';
import type { StoreReplay } from './store-replay.ts';

export type Rule = 1 | 2 | 3 | 4 | 5;
export type Report = (rule: Rule, key: string, message: string) => void;
type Changes = ReadonlyMap<string, EtcdChange>;

/** The data keys changed at this revision that belong to a bundle: its meta after the revision is a bundle's, or before it when the revision puts no meta. */
export function bundleKeysOf(index: HistoryIndex, changes: Changes, before: StoreReplay): Set<string> {
  const keys = new Set<string>();
  for (const change of changes.values()) {
    const dataKey = change.key.startsWith(index.metaRoot) ? index.dataKeyOf(change.key) : change.key.startsWith(index.dataRoot) ? change.key : undefined;
    if (dataKey === undefined) continue;
    const meta = changes.get(index.metaKeyOf(dataKey));
    const owner = meta?.type === 'put' ? parseMeta(meta.value) : before.meta(index.metaKeyOf(dataKey));
    if (owner?.ownerKind === 'ConfigBundle') keys.add(dataKey);
  }
  return keys;
}

/**
 * Rules 2 and 3 for the bundle keys of one revision, checked against the state `before` it. Returns
 * the uids of the bundles it touched (their members are checked whole by checkWhole after the revision).
 */
export function checkBundleChanges(index: HistoryIndex, report: Report, revision: number, changes: Changes, keys: ReadonlySet<string>, before: StoreReplay, drift: ReadonlySet<string>): Set<string> {
  const touched = new Set<string>(recordOwners(index, changes, before));
  const committing = new Set<string>();
  for (const key of keys) {
    const meta = changes.get(index.metaKeyOf(key));
    const record = meta?.type === 'put' ? parseMeta(meta.value) : undefined;
    if (record !== undefined) committing.add(record.uid);
  }
  for (const key of keys) {
    const data = changes.get(key);
    const meta = changes.get(index.metaKeyOf(key));
    const previous = before.meta(index.metaKeyOf(key));
    if (previous?.ownerKind === 'ConfigBundle') touched.add(previous.uid);
    const at = `rev ${revision}`;
    if (meta?.type === 'put') {
      const record = parseMeta(meta.value);
      if (record === undefined) continue; // bundleKeysOf only keeps readable records
      touched.add(record.uid);
      const value = data === undefined ? before.get(key)?.value : data.type === 'put' ? data.value : undefined;
      checkMemberPut(index, report, at, key, record, previous, value);
    } else if (meta?.type === 'delete') {
      checkMemberRemoval(index, report, at, key, previous, data, committing);
    } else if (data !== undefined) {
      checkDataOnly(index, report, at, key, previous, data, drift);
    }
  }
  return touched;
}

function checkMemberPut(index: HistoryIndex, report: Report, at: string, key: string, record: MetaRecord, previous: MetaRecord | undefined, value: string | undefined): void {
  const generation = index.bundleGeneration(record.uid, record.generation);
  const who = index.nameOf(record.uid);
  if (generation === undefined) return report(2, key, `${at}: written for bundle uid ${record.uid} gen ${record.generation}, a generation the driver never wrote`);
  if (!generation.valid) return report(3, key, `${at}: a member of INVALID generation ${generation.generation} of ${who} reached etcd`);
  const member = generation.members.find((m) => m.dataKey === key);
  if (member === undefined) return report(2, key, `${at}: ${who}'s meta names gen ${generation.generation}, which has no member at this key`);
  if (value !== member.canonical) {
    const invalid = (index.bundlesByKey.get(key) ?? []).flatMap((g) => g.members.filter((m) => m.dataKey === key && !m.valid && m.canonical === value).map(() => g));
    if (invalid[0] !== undefined) report(3, key, `${at}: etcd holds the data of an INVALID member of gen ${invalid[0].generation} of ${index.nameOf(invalid[0].uid)}`);
    else report(2, key, `${at}: ${value === undefined ? 'no value' : `a value (hash ${short(hashOf(value))})`} under the meta of gen ${generation.generation} of ${who}, whose member here expects ${short(member.hash)}`);
  }
  if (value !== undefined && record.dataHash !== hashOf(value)) report(2, key, `${at}: meta says hash ${short(record.dataHash)} but the data hashes to ${short(hashOf(value))}`);
  const fence = index.fenceProblem(Number(at.slice('rev '.length)), record);
  if (fence !== undefined) report(2, key, `${at}: ${fence}`);
  if (previous !== undefined && previous.uid !== record.uid) report(2, key, `${at}: ${who} wrote over a key owned by ${index.nameOf(previous.uid)}`);
  else if (previous !== undefined && previous.generation > record.generation) report(2, key, `${at}: gen ${record.generation} of ${who} written after gen ${previous.generation} (an older generation after a newer one)`);
}

function checkMemberRemoval(index: HistoryIndex, report: Report, at: string, key: string, previous: MetaRecord | undefined, data: EtcdChange | undefined, committing: ReadonlySet<string>): void {
  if (previous === undefined) return report(2, key, `${at}: deleted a meta key no one owned`);
  const who = index.nameOf(previous.uid);
  const deleted = index.history.deletions.some((d) => d.uid === previous.uid);
  if (!deleted && !committing.has(previous.uid)) report(2, key, `${at}: removed a member of ${who}, which was neither deleted nor committed a generation in that revision`);
  const policy = index.lastBundleGeneration.get(previous.uid)?.deletionPolicy ?? 'Delete';
  if (policy === 'Delete' && data?.type !== 'delete') report(2, key, `${at}: ${who} (deletionPolicy Delete) removed the member's meta but ${data === undefined ? 'left its data' : 'put its data'}`);
  if (policy === 'Retain' && data !== undefined) report(2, key, `${at}: ${who} (deletionPolicy Retain) released the member but ${data.type === 'delete' ? 'deleted' : 'put'} its data`);
}

function checkDataOnly(index: HistoryIndex, report: Report, at: string, key: string, previous: MetaRecord | undefined, data: EtcdChange, drift: ReadonlySet<string>): void {
  if (data.type === 'delete') return report(2, key, `${at}: a member's data was deleted without its meta`);
  if (drift.has(`${key}@${data.revision}`)) return;
  const generation = previous === undefined ? undefined : index.bundleGeneration(previous.uid, previous.generation);
  const member = generation?.members.find((m) => m.dataKey === key);
  if (member === undefined || data.value !== member.canonical) {
    report(2, key, `${at}: the data key was put without its meta, neither by the driver's drift edit nor restoring the value gen ${previous?.generation ?? '-'} of ${previous === undefined ? 'its owner' : index.nameOf(previous.uid)} expects`);
  }
}

/** The bundles whose record changed at this revision (its owner before or after). */
export function recordOwners(index: HistoryIndex, changes: Changes, before: StoreReplay): string[] {
  return [...changes.values()].filter((c) => c.key.startsWith(index.recordRoot)).flatMap((c) => [parseRecord(before.get(c.key)?.value)?.uid, c.type === 'put' ? parseRecord(c.value)?.uid : undefined]).filter((uid): uid is string => uid !== undefined);
}

/**
 * Rule 5 after `revision`: for each bundle in `uids`, the keys whose meta names it are one
 * generation's members, whole, all at one meta mod_revision. `witness` names whose view this is.
 */
export function checkWhole(index: HistoryIndex, report: Report, state: StoreReplay, uids: Iterable<string>, revision: number, witness: string): number {
  let checked = 0;
  for (const uid of uids) {
    checked++;
    const metaKeys = state.metaKeysOf(uid).sort();
    if (metaKeys.length === 0) continue;
    const records = metaKeys.map((k) => ({ key: index.dataKeyOf(k), record: state.meta(k), modRevision: state.get(k)?.modRevision }));
    const first = records[0]?.key ?? '';
    const who = index.nameOf(uid);
    const generations = [...new Set(records.map((r) => r.record?.generation ?? 0))].sort((a, b) => a - b);
    const at = `${witness} at rev ${revision}`;
    if (generations.length > 1) {
      report(5, first, `${at}: members of gens ${generations.join(' and ')} of ${who} visible at once (${records.map((r) => `${r.key.slice(index.dataRoot.length)} gen ${r.record?.generation}`).join(', ')})`);
      continue;
    }
    const revisions = [...new Set(records.map((r) => r.modRevision ?? 0))].sort((a, b) => a - b);
    if (revisions.length > 1) report(5, first, `${at}: the members of gen ${generations[0]} of ${who} carry meta mod_revisions ${revisions.join(', ')}, not one transaction's`);
    const recordKey = index.recordKeyOf(uid);
    const stored = recordKey === undefined ? undefined : state.get(recordKey);
    const record = parseRecord(stored?.value);
    if (record?.uid !== uid) report(5, first, `${at}: members of ${who} visible without its bundle record`);
    else if (record.generation !== generations[0] || stored?.modRevision !== revisions[0]) report(5, first, `${at}: ${who}'s record names gen ${record.generation} at rev ${stored?.modRevision}, its members' meta gen ${generations[0]} at rev ${revisions.join(', ')}`);
    else if (record.members.map((k) => `${index.dataRoot}${recordKey?.slice(index.recordRoot.length).split('/')[0]}/${k}`).sort().join() !== records.map((r) => r.key).sort().join()) report(5, first, `${at}: ${who}'s record names members ${record.members.join(', ')}, not the keys whose meta names it`);
    const generation = index.bundleGeneration(uid, generations[0]);
    if (generation === undefined) continue; // rule 2 reports a generation the driver never wrote
    const present = new Set(records.map((r) => r.key));
    const missing = generation.members.filter((m) => !present.has(m.dataKey)).map((m) => m.dataKey);
    const extra = [...present].filter((k) => !generation.members.some((m) => m.dataKey === k));
    if (missing.length > 0) report(5, missing[0] ?? first, `${at}: gen ${generation.generation} of ${who} is visible without its member(s) ${missing.join(', ')}`);
    if (extra.length > 0) report(5, extra[0] ?? first, `${at}: ${extra.join(', ')} still owned by ${who} beside gen ${generation.generation}, which does not have it (a removed member must go in the same revision)`);
  }
  return checked;
}
