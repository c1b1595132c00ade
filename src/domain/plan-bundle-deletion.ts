/**
 * planBundleDeletion: what to do with etcd when a bundle with Cairn's finalizer is being deleted.
 *
 * Guarantees:
 * - Only keys whose meta names this bundle's uid are touched (the members of the spec and those of
 *   the last committed generation, per the bundle record, or per status when the bundle has no record
 *   of its own), in ONE transaction comparing the fence and each touched meta key as observed, which
 *   also deletes the bundle's record: all of the bundle goes, or none of it.
 * - `Delete` removes data and meta of each; `Retain` removes meta only (releasing ownership), leaving
 *   the values for plain etcd readers.
 * - Nothing ours (never committed, already deleted, owned by someone else, invalid keys): the
 *   finalizer can go, nothing is written.
 *
 * Assumptions: deletion never guesses; without an observation it asks for a read (the record and the
 * metas), and again when the record read names members whose metas were not read with it.
 *
 * Errors: none thrown.
 */
import type { ConfigBundle } from '../api/config-bundle.ts';
import { bundlePairs } from './bundle-members.ts';
import { bundleRecordKey, bundleRecordOf, ownRecord } from './bundle-record.ts';
import { guardAsObserved } from './judge-key.ts';
import type { EntryKeys } from './keys.ts';
import { fenceCompare } from './plan.ts';
import { type KeyStates, ownedBy } from './plan-bundle.ts';
import type { Fence, GuardedTxn, Operation } from './types.ts';

export type BundleDeletionDecision =
  | { readonly kind: 'needsRead'; readonly keys: readonly string[] }
  | { readonly kind: 'nothingOurs'; readonly message: string }
  /** Run `txn`, then remove the finalizer. `pairs`: the keys it touches (for classifying a failure). */
  | { readonly kind: 'delete'; readonly txn: GuardedTxn; readonly pairs: readonly EntryKeys[]; readonly retain: boolean };

export function planBundleDeletion(
  bundle: Pick<ConfigBundle, 'metadata' | 'spec' | 'status'>,
  observed: KeyStates | undefined,
  ctx: { readonly prefix: string; readonly fence: Fence },
): BundleDeletionDecision {
  const recordKey = bundleRecordKey(ctx.prefix, bundle.metadata.namespace, bundle.metadata.name);
  const perStatus = bundlePairs(bundle, ctx.prefix);
  if (observed === undefined) return { kind: 'needsRead', keys: [recordKey, ...perStatus.map((p) => p.meta)] };
  const recordState = observed[recordKey] ?? { exists: false };
  const record = ownRecord(recordState, bundle.metadata.uid);
  const pairs = record === undefined ? perStatus : bundlePairs(bundle, ctx.prefix, record);
  const keys = [recordKey, ...pairs.map((p) => p.meta)];
  // The record may name members whose meta keys were not read with it: read them too.
  if (bundleRecordOf(recordState) === 'unknown' || pairs.some((p) => observed[p.meta] === undefined)) return { kind: 'needsRead', keys };

  const ownership = pairs.map((p) => ownedBy(observed[p.meta] ?? { exists: false }, bundle.metadata.uid));
  if (ownership.includes('unknown')) return { kind: 'needsRead', keys };
  const ours = pairs.filter((_, i) => ownership[i] === true);
  if (ours.length === 0 && record === undefined) {
    const message = pairs.length === 0 ? 'no member key was ever valid, so nothing was written' : 'no member key is owned by this bundle; nothing to delete';
    return { kind: 'nothingOurs', message };
  }

  const retain = bundle.spec.deletionPolicy === 'Retain';
  const operations: Operation[] = ours.flatMap((p): Operation[] =>
    retain ? [{ kind: 'delete', key: p.meta }] : [{ kind: 'delete', key: p.data }, { kind: 'delete', key: p.meta }],
  );
  const compares = [fenceCompare(ctx.fence), ...ours.map((p) => guardAsObserved(p.meta, observed[p.meta] ?? { exists: false }))];
  if (record !== undefined) {
    compares.push(guardAsObserved(recordKey, observed[recordKey] ?? { exists: false }));
    operations.push({ kind: 'delete', key: recordKey });
  }
  return {
    kind: 'delete',
    retain,
    pairs: ours,
    txn: { compares, operations, readBackOnFailure: [ctx.fence.key, recordKey, ...ours.map((p) => p.meta)] },
  };
}
