/**
 * planBundle: desired bundle + observed etcd state -> one BundleDecision. Pure; the bundle reconciler
 * executes it. Each member is judged by judgeKey (the entry's own rules of ownership, adoption,
 * conflicts and drift); this file only gathers the verdicts into one transaction.
 *
 * Guarantees:
 * - One invalid member (key, duplicate key, schema, data, size) makes the whole bundle `invalid`,
 *   naming the member; nothing is written. So does a transaction over etcd's limits (BundleTooLarge),
 *   checked on the largest transaction this generation could need, before anything is observed.
 * - Every write is ONE transaction comparing the fence, every member's meta and data key as observed
 *   and every removed member's meta key as observed: a stale view can only make it fail.
 * - The members a generation removes are the bundle record's (domain/bundle-record.ts) minus the
 *   spec's: the record is written and compared in the same transaction as every generation, so it
 *   names what etcd holds whatever status says (a lost status patch cannot leave a member behind).
 *   A bundle without a record of its own (committed before records, or a record deleted or taken)
 *   falls back to status.members, and its next commit writes the record; a bundle whose members are
 *   all in place but whose record is missing or names other keys writes the record alone (with every
 *   member's meta, so all of them and the record again name one generation at one revision).
 * - A new generation (a member added, changed or adopted, or a member removed) puts the data of each
 *   member that differs from etcd, the meta of every member (each records the generation committed,
 *   so all of a generation's meta keys carry its one revision), the bundle record, and deletes
 *   (Delete) or releases (Retain) the removed members. Readers see the whole old set or the whole
 *   new set.
 * - Drift alone (driftPolicy Correct) puts the drifted members' data only: the others are untouched.
 *   Under Report it is reported, and nothing is written.
 * - A key owned by anyone else (an entry or another bundle), or an unowned different value, blocks
 *   the bundle (`keyConflict`, `valueConflict`); nothing is written.
 * - Everything owned and in place: `upToDate` (nothing written), with the revision from which every
 *   member holds it (the largest mod_revision of the members' keys).
 *
 * Assumptions: `observed` (when given) holds the keys of `keysToRead` read at one revision; a key it
 * lacks is absent, except a removed member's meta key: the record decides which members were
 * removed, so their keys may not have been observed at all, and then a read is asked for. When
 * undefined (the view cannot tell) and status shows no earlier commit, every key is assumed absent
 * (the compares make a wrong guess fail harmlessly); otherwise a read is asked for.
 *
 * Errors: none thrown; every problem is a decision.
 */
import type { BundleMemberStatus, ConfigBundle } from '../api/config-bundle.ts';
import { BUNDLE_TOO_LARGE } from '../api/conditions.ts';
import { prunedOfMembers, type ResolvedMember, removedMembers, resolveMembers } from './bundle-members.ts';
import type { PrunedFields } from './pruned-fields.ts';
import { type BundleRecord, bundleRecordKey, bundleRecordOf, ownRecord, serializeBundleRecord } from './bundle-record.ts';
import type { InvalidReason, Owner, PlanContext } from './decision.ts';
import { guardAsObserved, guardsAsObserved, judgeKey, type KeyVerdict } from './judge-key.ts';
import type { EntryKeys } from './keys.ts';
import { metaRecordOf } from './key-state.ts';
import { fenceCompare } from './plan.ts';
import { formatTime, serializeStoredMeta } from './stored-meta.ts';
import { txnLimitProblem, type TxnLimits } from './txn-limits.ts';
import { compareRevisions, type Compare, type GuardedTxn, type KeyState, type Operation, type StoredMeta } from './types.ts';

export type PlanBundle = Pick<ConfigBundle, 'metadata' | 'spec' | 'status'>;
export type BundlePlanContext = PlanContext & TxnLimits;
export type KeyStates = Readonly<Record<string, KeyState>>;

export type BundleDecision =
  /** Terminal: a member, or the bundle as a whole, is wrong. Stalled with `reason`; nothing is written. */
  | { readonly kind: 'invalid'; readonly reason: InvalidReason | typeof BUNDLE_TOO_LARGE; readonly message: string }
  /** Read these keys (one read, one revision) and plan again. */
  | { readonly kind: 'needsRead'; readonly keys: readonly string[] }
  | { readonly kind: 'keyConflict'; readonly owner: Owner | undefined; readonly message: string }
  | { readonly kind: 'valueConflict'; readonly message: string }
  | { readonly kind: 'driftReported'; readonly message: string }
  /** `pruned` (here and in commit): fields of the members' data their schemas do not declare, not stored. */
  | { readonly kind: 'upToDate'; readonly revision: string; readonly members: readonly BundleMemberStatus[]; readonly pruned: PrunedFields }
  /**
   * Run `txn`. On success the txn's revision is the mod_revision of every key it put. On failure
   * classify with classifyTxnFailure(readBack, fence, pairs, uid) and plan again from the read-back.
   */
  | {
      readonly kind: 'commit';
      /** `generation`: a new set of members; `correctDrift`: drifted members restored, nothing else written. */
      readonly cause: 'generation' | 'correctDrift';
      readonly txn: GuardedTxn;
      readonly members: readonly BundleMemberStatus[];
      readonly pruned: PrunedFields;
      /** The keys the txn guards: every member's pair and every removed member's. */
      readonly pairs: readonly EntryKeys[];
      /** Hash of each data value the txn puts, by key. */
      readonly dataHashes: ReadonlyMap<string, string>;
      /** True when a member's value changed outside Cairn is restored by this txn. */
      readonly driftCorrected: boolean;
      /** True when planned without observation: the compares assume every key absent. */
      readonly assumedAbsent: boolean;
    };

type Judged = { readonly member: ResolvedMember; readonly verdict: KeyVerdict; readonly observed: { data: KeyState; meta: KeyState } };

const ABSENT: KeyState = { exists: false };

/** Every key a plan may need to observe: the bundle record, members' data and meta, removed members' meta. */
export function keysToRead(recordKey: string, members: readonly ResolvedMember[], removed: readonly EntryKeys[]): string[] {
  return [recordKey, ...members.flatMap((m) => [m.keys.data, m.keys.meta]), ...removed.map((k) => k.meta)];
}

export function planBundle(bundle: PlanBundle, observed: KeyStates | undefined, ctx: BundlePlanContext): BundleDecision {
  const resolved = resolveMembers(bundle, ctx);
  if (!resolved.ok) return { kind: 'invalid', reason: resolved.reason, message: resolved.message };
  const { members } = resolved;
  const recordKey = bundleRecordKey(ctx.prefix, bundle.metadata.namespace, bundle.metadata.name);
  const current = members.map((m) => m.keys);
  const removedPerStatus = removedMembers(bundle, current, ctx.prefix);
  const tooLarge = limitProblem(bundle, members, removedPerStatus, recordKey, ctx);
  if (tooLarge !== undefined) return tooLarge;

  const assumedAbsent = observed === undefined && !hasCommitted(bundle);
  const view: KeyStates | undefined = assumedAbsent ? {} : observed;
  if (view === undefined) return { kind: 'needsRead', keys: keysToRead(recordKey, members, removedPerStatus) };
  const recordState = view[recordKey] ?? ABSENT;
  if (bundleRecordOf(recordState) === 'unknown') return { kind: 'needsRead', keys: keysToRead(recordKey, members, removedPerStatus) };
  const record = ownRecord(recordState, bundle.metadata.uid);
  const removed = record === undefined ? removedPerStatus : removedMembers(bundle, current, ctx.prefix, record);
  const needed = keysToRead(recordKey, members, removed);
  // A removed member only the record names may not have been observed at all (the view keeps only claimed keys).
  if (removed.some((keys) => view[keys.meta] === undefined)) return { kind: 'needsRead', keys: needed };
  if (record !== undefined) {
    const problem = limitProblem(bundle, members, removed, recordKey, ctx);
    if (problem !== undefined) return problem;
  }
  const stateOf = (key: string): KeyState => view[key] ?? ABSENT;

  const judged: Judged[] = members.map((member) => {
    const pair = { data: stateOf(member.keys.data), meta: stateOf(member.keys.meta) };
    const claimant = { uid: bundle.metadata.uid, noun: 'this bundle', dataField: `spec.members[${member.index}].data` };
    return { member, observed: pair, verdict: judgeKey(claimant, member.keys, member.valid, pair, bundle.spec.driftPolicy) };
  });
  const ownership = removed.map((keys) => ownedBy(stateOf(keys.meta), bundle.metadata.uid));
  if (judged.some((j) => j.verdict.kind === 'needsRead') || ownership.includes('unknown')) return { kind: 'needsRead', keys: needed };
  // Removed members no longer ours (deleted or taken since) are left alone.
  const releasing = removed.filter((_, i) => ownership[i] === true);

  for (const { verdict } of judged) {
    if (verdict.kind === 'keyConflict') return { kind: 'keyConflict', owner: verdict.owner, message: verdict.message };
    if (verdict.kind === 'valueConflict') return { kind: 'valueConflict', message: verdict.message };
  }
  const statuses = judged.map(({ member }) => memberStatus(member));
  const pruned = prunedOfMembers(members);
  const commit = (cause: 'generation' | 'correctDrift', txn: GuardedTxn): BundleDecision => ({
    kind: 'commit',
    cause,
    txn,
    members: statuses,
    pruned,
    pairs: [...members.map((m) => m.keys), ...releasing],
    dataHashes: dataHashesOf(judged, txn),
    driftCorrected: judged.some((j) => j.verdict.kind === 'write' && j.verdict.cause === 'correctDrift' && txn.operations.some((op) => op.key === j.member.keys.data)),
    assumedAbsent,
  });
  const generation = (write: (j: Judged) => boolean): BundleDecision =>
    commit('generation', generationTxn(bundle, judged.map((j) => ({ member: j.member, observed: j.observed, write: write(j) })), releasing, stateOf, recordKey, ctx));

  const isNewGeneration = releasing.length > 0 || judged.some((j) => j.verdict.kind === 'write' && j.verdict.cause !== 'correctDrift');
  // A new generation is the whole new set: members drifted under Report are written too.
  if (isNewGeneration) return generation((j) => j.verdict.kind === 'write' || j.verdict.kind === 'driftReported');
  const drifted = judged.filter((j) => j.verdict.kind === 'write');
  if (drifted.length > 0) return commit('correctDrift', correctionTxn(judged, drifted, needed, ctx));
  const reported = judged.flatMap((j) => (j.verdict.kind === 'driftReported' ? [j.verdict.message] : []));
  if (reported.length > 0) return { kind: 'driftReported', message: reported.join('; ') };
  // Every member in place, but no record of ours naming exactly them: the record, with every meta.
  if (record === undefined || !sameKeys(record.members, current)) return generation(() => false);
  return { kind: 'upToDate', revision: newestRevision(judged), members: statuses, pruned };
}

/** BundleTooLarge when the largest transaction this generation could need (every member put, `removed` deleted) passes etcd's limits. */
function limitProblem(bundle: PlanBundle, members: readonly ResolvedMember[], removed: readonly EntryKeys[], recordKey: string, ctx: BundlePlanContext): BundleDecision | undefined {
  const everything = members.map((member) => ({ member, write: true, observed: { data: ABSENT, meta: ABSENT } }));
  const largest = generationTxn(bundle, everything, removed, () => ABSENT, recordKey, ctx);
  const problem = txnLimitProblem(largest, ctx, `this generation's transaction (${members.length} members, ${removed.length} removed)`);
  if (problem === undefined) return undefined;
  return { kind: 'invalid', reason: BUNDLE_TOO_LARGE, message: `${problem}; split the bundle, or remove members in a generation of their own` };
}

/** Whether a record names exactly the spec's member keys (order aside: a reordered spec is not a new generation). */
function sameKeys(recorded: readonly string[], current: readonly EntryKeys[]): boolean {
  const wanted = new Set(current.map((k) => k.relative));
  return recorded.length === wanted.size && recorded.every((key) => wanted.has(key));
}

/** Whether status shows an earlier commit (then the keys cannot be assumed absent). */
function hasCommitted(bundle: PlanBundle): boolean {
  return bundle.status?.revision !== undefined || (bundle.status?.members?.length ?? 0) > 0;
}

/** true: the record names `uid`; false: absent, unreadable or another owner's; 'unknown': not kept. */
export function ownedBy(meta: KeyState, uid: string): boolean | 'unknown' {
  if (!meta.exists) return false;
  const stored = metaRecordOf(meta);
  if (stored === 'unknown') return 'unknown';
  return stored !== 'unreadable' && stored.uid === uid;
}

function generationTxn(
  bundle: PlanBundle,
  members: readonly { member: ResolvedMember; write: boolean; observed: { data: KeyState; meta: KeyState } }[],
  removed: readonly EntryKeys[],
  stateOf: (key: string) => KeyState,
  recordKey: string,
  ctx: BundlePlanContext,
): GuardedTxn {
  const compares: Compare[] = [fenceCompare(ctx.fence), guardAsObserved(recordKey, stateOf(recordKey))];
  const operations: Operation[] = [];
  for (const { member, write, observed } of members) {
    compares.push(...guardsAsObserved(member.keys, observed));
    if (write) operations.push({ kind: 'put', key: member.keys.data, value: member.valid.canonical });
    operations.push({ kind: 'put', key: member.keys.meta, value: serializeStoredMeta(metaOf(bundle, member, ctx)) });
  }
  for (const keys of removed) {
    compares.push(guardAsObserved(keys.meta, stateOf(keys.meta)));
    if (bundle.spec.deletionPolicy === 'Delete') operations.push({ kind: 'delete', key: keys.data });
    operations.push({ kind: 'delete', key: keys.meta });
  }
  operations.push({ kind: 'put', key: recordKey, value: serializeBundleRecord(recordOf(bundle, members.map((m) => m.member), ctx)) });
  return { compares, operations, readBackOnFailure: [ctx.fence.key, ...keysToRead(recordKey, members.map((m) => m.member), removed)] };
}

/** Restores the drifted members' data; reads back every key a plan needs (the record too), so the plan after a failure or an unknown outcome has them all. */
function correctionTxn(judged: readonly Judged[], drifted: readonly Judged[], needed: readonly string[], ctx: BundlePlanContext): GuardedTxn {
  return {
    compares: [fenceCompare(ctx.fence), ...judged.flatMap((j) => guardsAsObserved(j.member.keys, j.observed))],
    operations: drifted.map((j) => ({ kind: 'put' as const, key: j.member.keys.data, value: j.member.valid.canonical })),
    readBackOnFailure: [ctx.fence.key, ...needed],
  };
}

/** A member's meta record: owned by the bundle, the generation being committed, under this leader's fence. */
function metaOf(bundle: PlanBundle, member: ResolvedMember, ctx: BundlePlanContext): StoredMeta {
  return {
    ownerKind: 'ConfigBundle',
    schema: member.valid.schema,
    uid: bundle.metadata.uid,
    namespace: bundle.metadata.namespace,
    name: bundle.metadata.name,
    generation: bundle.metadata.generation ?? 0,
    dataHash: member.valid.dataHash,
    committedAt: formatTime(ctx.now),
    fence: ctx.fence.revision,
  };
}

/** The bundle record of this commit: its members in spec order, the generation, this leader's fence. */
function recordOf(bundle: PlanBundle, members: readonly ResolvedMember[], ctx: BundlePlanContext): BundleRecord {
  return {
    uid: bundle.metadata.uid,
    namespace: bundle.metadata.namespace,
    name: bundle.metadata.name,
    generation: bundle.metadata.generation ?? 0,
    members: members.map((m) => m.keys.relative),
    fence: ctx.fence.revision,
    committedAt: formatTime(ctx.now),
  };
}

function memberStatus(member: ResolvedMember): BundleMemberStatus {
  return { key: member.keys.data, dataHash: member.valid.dataHash, schema: member.valid.schema };
}

function dataHashesOf(judged: readonly Judged[], txn: GuardedTxn): Map<string, string> {
  const put = new Set(txn.operations.filter((op) => op.kind === 'put').map((op) => op.key));
  return new Map(judged.filter((j) => put.has(j.member.keys.data)).map((j) => [j.member.keys.data, j.member.valid.dataHash]));
}

/** The revision from which every member holds its value: the newest mod_revision of the members' keys. */
function newestRevision(judged: readonly Judged[]): string {
  let newest = '0';
  for (const { observed } of judged) {
    for (const state of [observed.data, observed.meta]) {
      if (state.exists && compareRevisions(state.modRevision, newest) > 0) newest = state.modRevision;
    }
  }
  return newest;
}
