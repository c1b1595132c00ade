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
import { isSameJson } from './canonical.ts';
import type { CommitCause, Decision, PlanContext } from './decision.ts';
import { resolveEntryKeys } from './entry-keys.ts';
import type { EntryKeys } from './keys.ts';
import { metaRecordOf } from './key-state.ts';
import { describeOwner, formatTime, serializeStoredMeta } from './stored-meta.ts';
import type { Compare, KeyState, ObservedKeys, StoredMeta } from './types.ts';
import { validateData, type ValidData } from './validate.ts';

export type PlanEntry = Pick<ConfigEntry, 'metadata' | 'spec' | 'status'>;

const ABSENT: KeyState = { exists: false };

export function plan(entry: PlanEntry, observed: ObservedKeys | undefined, ctx: PlanContext): Decision {
  const resolved = resolveEntryKeys(entry, ctx.prefix);
  if (!resolved.ok) return { kind: 'invalid', reason: INVALID_KEY, message: resolved.message };
  const keys = resolved.keys;

  const valid = validateData(entry.spec.schema, entry.spec.data, { maxBytes: ctx.maxBytes, declared: ctx.declared });
  if (!valid.ok) return { kind: 'invalid', reason: valid.reason, message: valid.message };

  if (observed === undefined) {
    if (entry.status?.revision !== undefined || entry.status?.dataHash !== undefined) return { kind: 'needsRead', keys };
    return commit(entry, keys, valid, ctx, { data: ABSENT, meta: ABSENT }, 'create', true);
  }
  return planFromObserved(entry, keys, valid, observed, ctx);
}

function planFromObserved(entry: PlanEntry, keys: EntryKeys, valid: ValidData, observed: ObservedKeys, ctx: PlanContext): Decision {
  const { data, meta } = observed;
  if (!meta.exists) {
    if (!data.exists) return commit(entry, keys, valid, ctx, observed, 'create', false);
    if (data.hash === valid.dataHash) return commit(entry, keys, valid, ctx, observed, 'adopt', false);
    // Another spelling of the same JSON can only be recognised from its bytes, which the view does not keep.
    if (data.value === undefined) return { kind: 'needsRead', keys };
    if (isSameJson(data.value, valid.canonical)) return commit(entry, keys, valid, ctx, observed, 'adopt', false);
    return {
      kind: 'valueConflict',
      keys,
      message:
        `${keys.data} already holds a value that no ConfigEntry owns and that differs from spec.data; ` +
        'Cairn adopts only identical values, so it is left as it is. Delete it from etcd or make spec.data equal to it',
    };
  }

  const stored = metaRecordOf(meta);
  if (stored === 'unknown') return { kind: 'needsRead', keys };
  if (stored === 'unreadable') {
    return {
      kind: 'keyConflict',
      keys,
      owner: undefined,
      message: `${keys.meta} holds a record Cairn cannot read; refusing to overwrite a key it cannot prove is this entry's`,
    };
  }
  if (stored.uid !== entry.metadata.uid) {
    return {
      kind: 'keyConflict',
      keys,
      owner: { namespace: stored.namespace, name: stored.name, uid: stored.uid },
      message: `${keys.data} is owned by ConfigEntry ${describeOwner(stored)}; its value is left untouched`,
    };
  }

  if (stored.dataHash !== valid.dataHash || stored.schema !== valid.schema) {
    return commit(entry, keys, valid, ctx, observed, 'update', false);
  }
  const storedHash = data.exists ? data.hash : undefined;
  if (data.exists && storedHash === stored.dataHash) {
    return { kind: 'upToDate', keys, revision: data.modRevision, dataHash: valid.dataHash, schema: valid.schema };
  }
  if (entry.spec.driftPolicy === 'Report') {
    const what = data.exists
      ? `holds a value changed outside Cairn (${storedHash}, committed ${stored.dataHash})`
      : 'was deleted outside Cairn';
    return { kind: 'driftReported', keys, message: `${keys.data} ${what}; driftPolicy is Report, so it is left as it is` };
  }
  return commit(entry, keys, valid, ctx, observed, 'correctDrift', false);
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
  };
  return {
    kind: 'commit',
    keys,
    cause,
    assumedAbsent,
    value: valid.canonical,
    dataHash: valid.dataHash,
    schema: valid.schema,
    meta,
    txn: {
      compares: [
        { kind: 'modRevision', key: ctx.fence.key, equals: ctx.fence.revision },
        guardAsObserved(keys.meta, observed.meta),
        // Adoption too compares the mod_revision the identical value was read at, not the value: a
        // compare carrying the value would double the request and fail near the size limit.
        guardAsObserved(keys.data, observed.data),
      ],
      operations: [
        { kind: 'put', key: keys.data, value: valid.canonical },
        { kind: 'put', key: keys.meta, value: serializeStoredMeta(meta) },
      ],
      readBackOnFailure: [ctx.fence.key, keys.meta, keys.data],
    },
  };
}

/** The compare that holds only while `key` is still as it was observed. */
export function guardAsObserved(key: string, state: KeyState): Compare {
  return state.exists ? { kind: 'modRevision', key, equals: state.modRevision } : { kind: 'absent', key };
}
