/** What one reconcile of a live entry (or bundle) came to: the input of nextStatus() and eventFor(). */
import type { BundleMemberStatus } from '../api/config-bundle.ts';
import type { PrunedFields } from './pruned-fields.ts';

export type Outcome =
  /**
   * The generation's data is in etcd, owned by this entry: just written (`wrote`) or found there
   * (`upToDate`, nothing written). `revision` is the data key's mod_revision.
   */
  | {
      readonly kind: 'committed';
      readonly key: string;
      readonly revision: string;
      readonly dataHash: string;
      readonly schema: string;
      readonly wrote: boolean;
      /** The write restored a value changed outside Cairn (driftPolicy Correct). */
      readonly driftCorrected?: boolean;
      /** Fields of spec.data the schema does not declare: pruned, not stored (absent: none). */
      readonly pruned?: PrunedFields;
    }
  /** Retrying cannot help until the spec changes (InvalidData, UnknownSchema, KeyConflict, ...). */
  | { readonly kind: 'terminal'; readonly reason: string; readonly message: string }
  /**
   * Will run again (EtcdUnavailable, CompareFailed, DriftFight, ...): a rate-limited retry, or, when
   * `requeueAfterMs` is given, a deliberate wait of that long that is not a failure (DriftFight).
   */
  | { readonly kind: 'transient'; readonly reason: string; readonly message: string; readonly requeueAfterMs?: number }
  /** etcd differs from the committed value and driftPolicy is Report. */
  | { readonly kind: 'driftReported'; readonly message: string };

/** What one reconcile of a live bundle came to: as an entry's, committed names every member. */
export type BundleOutcome =
  | {
      readonly kind: 'committed';
      /** The revision from which every member holds this generation's value. */
      readonly revision: string;
      readonly members: readonly BundleMemberStatus[];
      readonly wrote: boolean;
      readonly driftCorrected?: boolean;
      /** Fields of the members' data their schemas do not declare (`spec.members[i].data.x`): pruned, not stored (absent: none). */
      readonly pruned?: PrunedFields;
    }
  | Exclude<Outcome, { readonly kind: 'committed' }>;
