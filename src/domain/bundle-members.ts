/**
 * A bundle's members as the plan needs them: each member's keys (checked as an entry's key is, and
 * unique within the bundle) and its data validated by the same validator as an entry's; and the
 * members a new generation removes (committed before, per the bundle record or else status, and no
 * longer in the spec).
 *
 * Guarantees: the first problem found is reported, naming the member's key, its index and the field
 * (`member checkout/db (spec.members[1]): spec.members[1].data.port: ...`); a bundle with one invalid
 * member yields no members at all, so nothing of it can be written.
 *
 * Errors: none thrown.
 */
import type { BundleMember, ConfigBundle } from '../api/config-bundle.ts';
import { INVALID_KEY } from '../api/conditions.ts';
import type { InvalidReason, PlanContext } from './decision.ts';
import { describeKeyProblem } from './entry-keys.ts';
import { checkRelativeKey, entryKeys, type EntryKeys, parseStoreKey } from './keys.ts';
import { validateData, type ValidData } from './validate.ts';
import { type BundleRecord, bundleRecordKey, ownRecord, recordMemberKeys } from './bundle-record.ts';
import type { KeyState } from './types.ts';
import { type PrunedFields, summarizePruned } from './pruned-fields.ts';

export interface ResolvedMember {
  readonly index: number;
  readonly keys: EntryKeys;
  readonly valid: ValidData;
}

export type ResolvedMembers =
  | { readonly ok: true; readonly members: readonly ResolvedMember[] }
  | { readonly ok: false; readonly reason: InvalidReason; readonly message: string };

type BundleSpec = Pick<ConfigBundle, 'metadata' | 'spec'>;

/** Every member's keys and validated data, or the first problem. */
export function resolveMembers(bundle: BundleSpec, ctx: Pick<PlanContext, 'prefix' | 'maxBytes' | 'engineSchemas'>): ResolvedMembers {
  const seen = new Map<string, number>();
  const keyed: { member: BundleMember; index: number; keys: EntryKeys }[] = [];
  for (const [index, member] of bundle.spec.members.entries()) {
    const field = `spec.members[${index}].key`;
    const check = checkRelativeKey(member.key);
    if (!check.ok) return { ok: false, reason: INVALID_KEY, message: describeKeyProblem(field, member.key, check.problem) };
    const first = seen.get(member.key);
    if (first !== undefined) {
      return { ok: false, reason: INVALID_KEY, message: `${field}: ${JSON.stringify(member.key)} is also the key of spec.members[${first}]; keys are unique within a bundle` };
    }
    seen.set(member.key, index);
    keyed.push({ member, index, keys: entryKeys(ctx.prefix, bundle.metadata.namespace, member.key) });
  }
  const members: ResolvedMember[] = [];
  for (const { member, index, keys } of keyed) {
    const valid = validateData(member.schema, member.data, { maxBytes: ctx.maxBytes, engineSchemas: ctx.engineSchemas });
    if (!valid.ok) {
      const issues = valid.issues.map((issue) => rootAtMember(issue, index));
      return { ok: false, reason: valid.reason, message: `member ${member.key}: ${issues.join('; ')}` };
    }
    members.push({ index, keys, valid });
  }
  return { ok: true, members };
}

/** The fields every member's schema pruned, named under the member (`spec.members[1].data.prot`), in spec order. */
export function prunedOfMembers(members: readonly ResolvedMember[]): PrunedFields {
  return summarizePruned(members.flatMap((member) => member.valid.pruned.map((path) => rootAtMember(path, member.index))));
}

/** An issue rooted at an entry's spec (`spec.schema: ...`, `data.port: ...`, `spec.data.port: ...`) re-rooted at the member. */
export function rootAtMember(issue: string, index: number): string {
  const member = `spec.members[${index}]`;
  if (issue.startsWith('spec.')) return `${member}.${issue.slice('spec.'.length)}`;
  if (issue.startsWith('data')) return `${member}.${issue}`;
  return `${member}: ${issue}`;
}

/**
 * The key pairs the last committed generation holds: the bundle record's members when `record` is
 * this bundle's (the record is written in the same transaction as the members, so it cannot lag),
 * else status.members (a bundle committed before records existed, or whose record is gone). Keys
 * outside the bundle's namespace or prefix are ignored (status is ours, but never trusted to widen a
 * namespace; a record's keys are relative to the bundle's namespace by construction).
 */
export function lastCommitted(bundle: Pick<ConfigBundle, 'metadata' | 'status'>, prefix: string, record: BundleRecord | undefined): EntryKeys[] {
  if (record !== undefined) return recordMemberKeys(record, prefix, bundle.metadata.namespace);
  const keys: EntryKeys[] = [];
  for (const committed of bundle.status?.members ?? []) {
    const parsed = parseStoreKey(prefix, committed.key);
    if (parsed === undefined || parsed.kind !== 'data' || parsed.namespace !== bundle.metadata.namespace) continue;
    keys.push(entryKeys(prefix, parsed.namespace, parsed.key));
  }
  return keys;
}

/**
 * The keys the last committed generation holds (see lastCommitted) that the spec no longer names: a
 * new generation deletes (Delete) or releases (Retain) them in its own transaction.
 */
export function removedMembers(bundle: Pick<ConfigBundle, 'metadata' | 'status'>, current: readonly EntryKeys[], prefix: string, record?: BundleRecord): EntryKeys[] {
  const wanted = new Set(current.map((keys) => keys.data));
  const removed: EntryKeys[] = [];
  for (const keys of lastCommitted(bundle, prefix, record)) {
    if (wanted.has(keys.data)) continue;
    wanted.add(keys.data);
    removed.push(keys);
  }
  return removed;
}

/** The spec's member keys that pass the key rules, each once (an invalid bundle's valid keys too). */
export function specPairs(bundle: Pick<ConfigBundle, 'metadata' | 'spec'>, prefix: string): EntryKeys[] {
  const seen = new Set<string>();
  const current: EntryKeys[] = [];
  for (const member of bundle.spec.members) {
    if (seen.has(member.key) || !checkRelativeKey(member.key).ok) continue;
    seen.add(member.key);
    current.push(entryKeys(prefix, bundle.metadata.namespace, member.key));
  }
  return current;
}

/**
 * Every key pair a bundle may touch: its members' (valid keys only, each once) and those of its last
 * committed generation that the spec no longer names (per `record` when it is this bundle's, else
 * status). The keys a reconcile observes and the claims that keep them in the store view.
 */
export function bundlePairs(bundle: Pick<ConfigBundle, 'metadata' | 'spec' | 'status'>, prefix: string, record?: BundleRecord): EntryKeys[] {
  const current = specPairs(bundle, prefix);
  return [...current, ...removedMembers(bundle, current, prefix, record)];
}

/**
 * The keys a reconcile of `bundle` observes before planning: its record, and the data and meta keys of
 * every pair it may touch, the removed ones per the record when `recordState` (as observed, if at
 * all) is this bundle's record, else per status.
 */
export function bundleKeysToObserve(bundle: Pick<ConfigBundle, 'metadata' | 'spec' | 'status'>, prefix: string, recordState: KeyState | undefined): string[] {
  const record = ownRecord(recordState, bundle.metadata.uid);
  const pairs = bundlePairs(bundle, prefix, record);
  return [bundleRecordKey(prefix, bundle.metadata.namespace, bundle.metadata.name), ...pairs.flatMap((p) => [p.data, p.meta])];
}
