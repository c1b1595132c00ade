/**
 * plan: desired entry + observed etcd state -> one Decision. Pure; the reconciler executes it.
 *
 * Guarantees:
 * - An invalid spec (key, schema id, data, size) yields `invalid` and no transaction.
 * - Every transaction compares the fence (`mod_revision(P/fence) == T`) and the meta key as observed
 *   (absent, or `mod_revision == seen` after checking the owner uid is this entry's uid), and the data
 *   key as observed (absent, or the same mod_revision; for adoption, after checking that the value at
 *   that mod_revision is identical). A stale view can therefore only make the transaction fail, never
 *   overwrite what another writer put there. No compare carries a value, so a transaction is never
 *   much larger than the value it puts.
 * - Another entry's key, or an unowned different value, is never written (`keyConflict`,
 *   `valueConflict`); an unowned identical value is adopted.
 * - When etcd already holds this value owned by this entry, nothing is written (`upToDate`), so
 *   restarts, resyncs and retries after a timed-out commit cost reads, not writes.
 * - With `ctx.confirmed` (a verdict already given for this spec under the same judge of its schema),
 *   an entry whose value etcd already holds as committed is upToDate without validating again: the
 *   same data before the same judge gets the same verdict, so resyncs cost no validation either.
 * - upToDate and commit name the fields of spec.data the schema does not declare (pruned, not
 *   stored), the confirmed verdict's when it is used: the same spec names the same fields either way.
 *
 * Assumptions: `observed` (when given) was read at one revision; `ctx.prefix` is a checked prefix.
 * When `observed` is undefined the cache does not know the keys: if status shows no earlier commit,
 * plan assumes both keys absent (the compares make a wrong guess fail harmlessly); otherwise it asks
 * for a read (`needsRead`). It also asks for a read when a decision needs a value the observation
 * did not keep (the store view keeps hashes): an unowned value whose hash differs, or a meta record.
 *
 * Errors: none thrown; every problem is a Decision.
 */
import type { ConfigEntry } from '../api/config-entry.ts';
import { INVALID_KEY } from '../api/conditions.ts';
import type { CommitCause, Decision, PlanContext } from './decision.ts';
import { resolveEntryKeys } from './entry-keys.ts';
import type { EntryKeys } from './keys.ts';
import { guardsAsObserved, judgeKey, upToDateRevision } from './judge-key.ts';
import { formatTime, serializeStoredMeta } from './stored-meta.ts';
import type { Compare, Fence, KeyState, ObservedKeys, StoredMeta } from './types.ts';
import { validateData, type ValidData } from './validate.ts';
import { summarizePruned } from './pruned-fields.ts';

export type PlanEntry = Pick<ConfigEntry, 'metadata' | 'spec' | 'status'>;

const ABSENT: KeyState = { exists: false };

export function plan(entry: PlanEntry, observed: ObservedKeys | undefined, ctx: PlanContext): Decision {
  const resolved = resolveEntryKeys(entry, ctx.prefix);
  if (!resolved.ok) return { kind: 'invalid', reason: INVALID_KEY, message: resolved.message };
  const keys = resolved.keys;

  // A verdict already given for this very spec, and etcd holds its value: nothing to validate again.
  const revision = ctx.confirmed !== undefined && observed !== undefined ? upToDateRevision(entry.metadata.uid, ctx.confirmed, observed) : undefined;
  if (revision !== undefined && ctx.confirmed !== undefined) {
    return { kind: 'upToDate', keys, revision, dataHash: ctx.confirmed.dataHash, schema: ctx.confirmed.schema, pruned: ctx.confirmed.pruned };
  }

  const valid = validateData(entry.spec.schema, entry.spec.data, { maxBytes: ctx.maxBytes, engineSchemas: ctx.engineSchemas });
  if (!valid.ok) return { kind: 'invalid', reason: valid.reason, message: valid.message };

  if (observed === undefined) {
    if (entry.status?.revision !== undefined || entry.status?.dataHash !== undefined) return { kind: 'needsRead', keys };
    return commit(entry, keys, valid, ctx, { data: ABSENT, meta: ABSENT }, 'create', true);
  }
  return planFromObserved(entry, keys, valid, observed, ctx);
}

function planFromObserved(entry: PlanEntry, keys: EntryKeys, valid: ValidData, observed: ObservedKeys, ctx: PlanContext): Decision {
  const claimant = { uid: entry.metadata.uid, noun: 'this entry', dataField: 'spec.data' };
  const verdict = judgeKey(claimant, keys, valid, observed, entry.spec.driftPolicy);
  switch (verdict.kind) {
    case 'write':
      return commit(entry, keys, valid, ctx, observed, verdict.cause, false);
    case 'upToDate':
      return { kind: 'upToDate', keys, revision: verdict.revision, dataHash: valid.dataHash, schema: valid.schema, pruned: summarizePruned(valid.pruned) };
    case 'needsRead':
      return { kind: 'needsRead', keys };
    case 'keyConflict':
      return { kind: 'keyConflict', keys, owner: verdict.owner, message: verdict.message };
    case 'valueConflict':
      return { kind: 'valueConflict', keys, message: verdict.message };
    case 'driftReported':
      return { kind: 'driftReported', keys, message: verdict.message };
  }
}

function commit(
  entry: PlanEntry,
  keys: EntryKeys,
  valid: ValidData,
  ctx: PlanContext,
  observed: Pick<ObservedKeys, 'data' | 'meta'>,
  cause: CommitCause,
  assumedAbsent: boolean,
): Decision {
  const meta: StoredMeta = {
    schema: valid.schema,
    uid: entry.metadata.uid,
    namespace: entry.metadata.namespace,
    name: entry.metadata.name,
    generation: entry.metadata.generation ?? 0,
    dataHash: valid.dataHash,
    committedAt: formatTime(ctx.now),
    fence: ctx.fence.revision,
  };
  return {
    kind: 'commit',
    keys,
    cause,
    assumedAbsent,
    value: valid.canonical,
    dataHash: valid.dataHash,
    schema: valid.schema,
    pruned: summarizePruned(valid.pruned),
    meta,
    txn: {
      compares: [fenceCompare(ctx.fence), ...guardsAsObserved(keys, observed)],
      operations: [
        { kind: 'put', key: keys.data, value: valid.canonical },
        { kind: 'put', key: keys.meta, value: serializeStoredMeta(meta) },
      ],
      readBackOnFailure: [ctx.fence.key, keys.meta, keys.data],
    },
  };
}

/** The compare every write of this leader carries: the fence is still the one it took over with. */
export function fenceCompare(fence: Fence): Compare {
  return { kind: 'modRevision', key: fence.key, equals: fence.revision };
}
