/**
 * Condition types and reasons of a ConfigEntry, kstatus style (as Flux's apis/meta/conditions.go).
 * Only domain/conditions.ts writes conditions; everything else names them through these constants.
 */

// ---- condition types ------------------------------------------------------------------------------

/** True when the entry's current generation is committed to etcd and etcd still holds it. */
export const READY = 'Ready';
/** True while Cairn works towards the current generation (new spec, or retrying a transient failure). */
export const RECONCILING = 'Reconciling';
/** True when Cairn cannot make progress without a change from a person (bad spec, conflict, drift). */
export const STALLED = 'Stalled';

/**
 * True when the committed value (status.revision) lost fields its schema does not declare: pruned, as
 * a CRD prunes unknown fields, and not stored; the message names them. Informational (a misspelt
 * field, e.g. `prot` for `port`): Ready stays True, kstatus ignores the type. Absent when nothing was
 * pruned; set or removed with each commit, kept as it is by a failure (it describes what etcd holds).
 */
export const FIELDS_PRUNED = 'FieldsPruned';

export type ConditionType = typeof READY | typeof RECONCILING | typeof STALLED | typeof FIELDS_PRUNED;
export type ConditionStatus = 'True' | 'False' | 'Unknown';

// ---- reasons: success and progress ----------------------------------------------------------------

/** The current generation's data is committed to etcd (Ready=True). */
export const COMMITTED = 'Committed';
/** A value changed in etcd outside Cairn was restored (driftPolicy Correct); Event reason only. */
export const DRIFT_CORRECTED = 'DriftCorrected';
/** Fields of the data its schema does not declare were pruned and not stored (FieldsPruned, and a Warning Event once per generation). */
export const UNKNOWN_FIELDS_PRUNED = 'UnknownFieldsPruned';

// ---- reasons: terminal failures (Stalled=True, need a spec change) ---------------------------------

/** spec.data does not satisfy its schema. */
export const INVALID_DATA = 'InvalidData';
/** spec.schema names no schema: neither embedded in this operator nor declared by a ConfigSchema. */
export const UNKNOWN_SCHEMA = 'UnknownSchema';
/** spec.key (or metadata.name as the default key) is not a valid relative key. */
export const INVALID_KEY = 'InvalidKey';
/** The etcd key is owned by another ConfigEntry (different uid); its value is left untouched. */
export const KEY_CONFLICT = 'KeyConflict';
/** An existing unowned value differs from spec.data; Cairn adopts only identical values. */
export const VALUE_CONFLICT = 'ValueConflict';
/** The canonical JSON of the validated data exceeds the configured size limit. */
export const DATA_TOO_LARGE = 'DataTooLarge';
/** A bundle's transaction would pass etcd's limits (`--max-txn-ops`, `--max-request-bytes`): too many members, or too much data. */
export const BUNDLE_TOO_LARGE = 'BundleTooLarge';
/** etcd holds a value different from the committed one and driftPolicy is Report. */
export const DRIFT_REPORTED = 'DriftReported';

// ---- reasons of a ConfigSchema, and of entries naming declared schemas ------------------------------

/** Every served version compiled, its admission policy bound and its schema published to etcd (Ready=True). */
export const SCHEMA_READY = 'SchemaReady';
/** A served version's openAPIV3Schema is refused by the engine (not structural, a rule that does not compile, over a limit); the message names the path. */
export const INVALID_SCHEMA = 'InvalidSchema';
/** A served version cannot be enforced at admission (a rule the policy generator refuses, or the apiserver's type check warns); the message names the rule. */
export const POLICY_REFUSED = 'AdmissionPolicyRefused';
/** Deletion of the schema, or removal of a version, waits for the entries named in the message to move or go. */
export const SCHEMA_IN_USE = 'SchemaInUse';
/** The entry names a declared schema version that exists but is not Ready yet (or is Stalled); nothing is written. */
export const SCHEMA_NOT_READY = 'SchemaNotReady';

// ---- reasons: transient failures (Reconciling=True, retried with backoff) --------------------------

/** etcd could not be reached or did not answer in time. */
export const ETCD_UNAVAILABLE = 'EtcdUnavailable';
/** The guarded transaction's compares failed: someone changed the keys concurrently; re-read and retry. */
export const COMPARE_FAILED = 'CompareFailed';
/** This replica's fencing token is stale: another leader took over; it stops writing. */
export const FENCING_LOST = 'FencingLost';
/** This replica's own fence move failed and it is fencing again: nothing written, no status (never in REASONS). */
export const FENCE_UNAVAILABLE = 'FenceUnavailable';
/** The outcome of a commit is unknown (timeout); etcd is re-read before any retry. */
export const COMMIT_UNKNOWN = 'CommitOutcomeUnknown';
/** The value keeps being changed outside Cairn under driftPolicy Correct: corrections back off exponentially. */
export const DRIFT_FIGHT = 'DriftFight';

/** Every reason Cairn writes, for tests and for documentation. */
export const REASONS: readonly string[] = [
  COMMITTED,
  DRIFT_CORRECTED,
  UNKNOWN_FIELDS_PRUNED,
  INVALID_DATA,
  UNKNOWN_SCHEMA,
  INVALID_KEY,
  KEY_CONFLICT,
  VALUE_CONFLICT,
  DATA_TOO_LARGE,
  BUNDLE_TOO_LARGE,
  DRIFT_REPORTED,
  ETCD_UNAVAILABLE,
  COMPARE_FAILED,
  FENCING_LOST,
  COMMIT_UNKNOWN,
  DRIFT_FIGHT,
  SCHEMA_READY,
  INVALID_SCHEMA,
  POLICY_REFUSED,
  SCHEMA_IN_USE,
  SCHEMA_NOT_READY,
];
