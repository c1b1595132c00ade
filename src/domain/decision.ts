/**
 * What plan() and planDeletion() decide. Plain data: the reconciler switches on `kind` and executes.
 */
import type {
  DATA_TOO_LARGE,
  INVALID_DATA,
  INVALID_KEY,
  SCHEMA_NOT_READY,
  UNKNOWN_SCHEMA,
} from '../api/conditions.ts';
import type { SchemaLookup } from './validate.ts';
import type { EntryKeys } from './keys.ts';
import type { Owner } from './stored-meta.ts';
import type { PrunedFields } from './pruned-fields.ts';
import type { Fence, GuardedTxn, StoredMeta } from './types.ts';

export interface PlanContext {
  /** Store prefix P, e.g. `/cairn` (checked once by config: absolute, no trailing '/'). */
  readonly prefix: string;
  /** This leader's fencing token; every write compares it. */
  readonly fence: Fence;
  /** Size limit on canonical JSON, in bytes. */
  readonly maxBytes: number;
  /** The schema engine's compiled schemas, embedded and declared (validate.ts); absent without the engine. */
  readonly engineSchemas?: ((id: string) => SchemaLookup) | undefined;
  /** Commit time written into meta (provenance only). */
  readonly now: Date;
  /**
   * A verdict already given for exactly this spec (same entry uid and generation, same judge of its
   * schema: see validate.ts judgeOf): the schema id and hash of the value it made storable. When the
   * keys as observed already hold that value owned by this entry, plan decides upToDate without
   * validating again; in every other case it validates as usual. `pruned`: what that validation
   * pruned, so a confirmed entry reports what a validated one would.
   */
  readonly confirmed?: { readonly schema: string; readonly dataHash: string; readonly pruned: PrunedFields } | undefined;
}

export type { Owner } from './stored-meta.ts';

export type InvalidReason = typeof INVALID_KEY | typeof UNKNOWN_SCHEMA | typeof SCHEMA_NOT_READY | typeof INVALID_DATA | typeof DATA_TOO_LARGE;

/** Why a commit is needed; `correctDrift` deserves a DriftCorrected event. */
export type CommitCause = 'create' | 'update' | 'adopt' | 'correctDrift';

export type Decision =
  /** Terminal: the spec itself is wrong. Stalled with `reason`; nothing is written. */
  | { readonly kind: 'invalid'; readonly reason: InvalidReason; readonly message: string }
  /** The cache cannot tell and guessing is likely wrong (status shows an earlier commit): read etcd, plan again. */
  | { readonly kind: 'needsRead'; readonly keys: EntryKeys }
  /** Terminal: the meta key belongs to another entry (or holds a record Cairn cannot read). */
  | { readonly kind: 'keyConflict'; readonly keys: EntryKeys; readonly owner: Owner | undefined; readonly message: string }
  /** Terminal: an unowned value exists at the data key and differs; it is left as it is. */
  | { readonly kind: 'valueConflict'; readonly keys: EntryKeys; readonly message: string }
  /** Nothing to write: etcd holds this value, owned by this entry. `revision` is the data key's mod_revision. */
  | {
      readonly kind: 'upToDate';
      readonly keys: EntryKeys;
      readonly revision: string;
      readonly dataHash: string;
      readonly schema: string;
      /** Fields of spec.data the schema does not declare, not stored. */
      readonly pruned: PrunedFields;
    }
  /** etcd differs from the committed value and driftPolicy is Report: nothing is written. */
  | { readonly kind: 'driftReported'; readonly keys: EntryKeys; readonly message: string }
  /**
   * Run `txn`. On success the committed revision is the txn's revision (the data key's new
   * mod_revision). On failure classify with classifyTxnFailure and plan again from the read-back.
   */
  | {
      readonly kind: 'commit';
      readonly keys: EntryKeys;
      readonly txn: GuardedTxn;
      readonly cause: CommitCause;
      /** True when planned without observation (cache empty): the compares assume both keys absent. */
      readonly assumedAbsent: boolean;
      readonly value: string;
      readonly dataHash: string;
      readonly schema: string;
      /** Fields of spec.data the schema does not declare, not stored. */
      readonly pruned: PrunedFields;
      readonly meta: StoredMeta;
    };

export type DeletionDecision =
  /** What etcd holds is unknown: read it and plan again (deletion never guesses). */
  | { readonly kind: 'needsRead'; readonly keys: EntryKeys }
  /** Nothing in etcd is this entry's (never committed, already deleted, or owned by another): remove the finalizer. */
  | { readonly kind: 'nothingOurs'; readonly message: string }
  /** Run `txn` (Delete: data + meta; Retain: meta only), then remove the finalizer. */
  | { readonly kind: 'delete'; readonly keys: EntryKeys; readonly txn: GuardedTxn; readonly retain: boolean };
