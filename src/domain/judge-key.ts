/**
 * judgeKey: what one owner (a ConfigEntry, or one member of a ConfigBundle) must do with one key
 * pair (data + meta), given the value it wants stored and the keys as observed. The rules of
 * ownership, adoption, conflicts and drift live here once; plan() (an entry) and planBundle() (every
 * member of a bundle) both ask it, and build their transactions from `guardsAsObserved`.
 *
 * Guarantees:
 * - A key whose meta names another uid, or a meta record Cairn cannot read, is `keyConflict`
 *   (naming the owner and its kind when the record says); it is never written.
 * - An unowned value is adopted only when identical (same hash, or the same JSON spelled
 *   differently); otherwise `valueConflict`.
 * - Owned with the same hash and schema, and the data key holding it: `upToDate` (nothing to write).
 *   Owned with another hash or schema: `write` (update). Owned but the data key changed or deleted
 *   outside Cairn: `write` (correctDrift) under Correct, `driftReported` under Report.
 *
 * Assumptions: `observed` holds both keys as seen at one revision. When a decision needs a value the
 * observation did not keep (the store view keeps hashes, and meta records up to a size), the answer
 * is `needsRead`.
 *
 * Errors: none thrown.
 */
import type { DriftPolicy } from '../api/config-entry.ts';
import { isSameJson } from './canonical.ts';
import type { CommitCause } from './decision.ts';
import type { EntryKeys } from './keys.ts';
import { metaRecordOf } from './key-state.ts';
import { describeOwner, type Owner, ownerOf } from './stored-meta.ts';
import type { Compare, KeyState } from './types.ts';
import type { ValidData } from './validate.ts';

export type KeyVerdict =
  /** Put the data (and meta): `cause` says why. */
  | { readonly kind: 'write'; readonly cause: CommitCause }
  /** etcd holds this value owned by this owner; `revision` is the data key's mod_revision. */
  | { readonly kind: 'upToDate'; readonly revision: string }
  /** The observation lacks a value the decision needs: read etcd and judge again. */
  | { readonly kind: 'needsRead' }
  | { readonly kind: 'keyConflict'; readonly owner: Owner | undefined; readonly message: string }
  | { readonly kind: 'valueConflict'; readonly message: string }
  | { readonly kind: 'driftReported'; readonly message: string };

export interface ObservedPair {
  readonly data: KeyState;
  readonly meta: KeyState;
}

/** Who asks, for ownership and messages: the owner's uid, what to call it, and the field its data comes from. */
export interface Claimant {
  readonly uid: string;
  /** `this entry`, `this bundle`. */
  readonly noun: string;
  /** `spec.data`, `spec.members[2].data`. */
  readonly dataField: string;
}

export function judgeKey(claimant: Claimant, keys: EntryKeys, valid: ValidData, observed: ObservedPair, driftPolicy: DriftPolicy): KeyVerdict {
  const { data, meta } = observed;
  if (!meta.exists) {
    if (!data.exists) return { kind: 'write', cause: 'create' };
    if (data.hash === valid.dataHash) return { kind: 'write', cause: 'adopt' };
    // Another spelling of the same JSON can only be recognised from its bytes, which the view does not keep.
    if (data.value === undefined) return { kind: 'needsRead' };
    if (isSameJson(data.value, valid.canonical)) return { kind: 'write', cause: 'adopt' };
    return {
      kind: 'valueConflict',
      message:
        `${keys.data} already holds a value that no ConfigEntry or ConfigBundle owns and that differs from ${claimant.dataField}; ` +
        `Cairn adopts only identical values, so it is left as it is. Delete it from etcd or make ${claimant.dataField} equal to it`,
    };
  }

  const stored = metaRecordOf(meta);
  if (stored === 'unknown') return { kind: 'needsRead' };
  if (stored === 'unreadable') {
    return {
      kind: 'keyConflict',
      owner: undefined,
      message: `${keys.meta} holds a record Cairn cannot read; refusing to overwrite a key it cannot prove is ${claimant.noun}'s`,
    };
  }
  if (stored.uid !== claimant.uid) {
    const owner = ownerOf(stored);
    return { kind: 'keyConflict', owner, message: `${keys.data} is owned by ${describeOwner(owner)}; its value is left untouched` };
  }

  if (stored.dataHash !== valid.dataHash || stored.schema !== valid.schema) return { kind: 'write', cause: 'update' };
  const storedHash = data.exists ? data.hash : undefined;
  if (data.exists && storedHash === stored.dataHash) return { kind: 'upToDate', revision: data.modRevision };
  if (driftPolicy === 'Report') {
    const what = data.exists
      ? `holds a value changed outside Cairn (${storedHash}, committed ${stored.dataHash})`
      : 'was deleted outside Cairn';
    return { kind: 'driftReported', message: `${keys.data} ${what}; driftPolicy is Report, so it is left as it is` };
  }
  return { kind: 'write', cause: 'correctDrift' };
}

/**
 * The data key's mod_revision when the keys as observed hold `valid` (schema and hash) owned by
 * `uid`, committed and unchanged since: the case in which judgeKey answers upToDate. Undefined
 * otherwise, or when the observation did not keep the meta record.
 */
export function upToDateRevision(uid: string, valid: Pick<ValidData, 'schema' | 'dataHash'>, observed: ObservedPair): string | undefined {
  const { data, meta } = observed;
  if (!meta.exists || !data.exists) return undefined;
  const stored = metaRecordOf(meta);
  if (typeof stored === 'string' || stored.uid !== uid || stored.dataHash !== valid.dataHash || stored.schema !== valid.schema) return undefined;
  return data.hash === stored.dataHash ? data.modRevision : undefined;
}

/** The compare that holds only while `key` is still as it was observed. */
export function guardAsObserved(key: string, state: KeyState): Compare {
  return state.exists ? { kind: 'modRevision', key, equals: state.modRevision } : { kind: 'absent', key };
}

/**
 * The compares that hold only while both keys are as observed: meta, then data. Adoption too compares
 * the mod_revision the identical value was read at, not the value: a compare carrying the value would
 * double the request and fail near the size limit.
 */
export function guardsAsObserved(keys: EntryKeys, observed: ObservedPair): Compare[] {
  return [guardAsObserved(keys.meta, observed.meta), guardAsObserved(keys.data, observed.data)];
}
