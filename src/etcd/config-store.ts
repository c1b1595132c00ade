/**
 * What the controller needs from the store, as an interface it can fake in reconciler scenarios.
 * EtcdStore (store.ts) implements it over a real etcd; nothing here names etcd3.
 *
 * Errors (every method): EtcdUnavailableError when etcd could not serve the call (transient),
 * EtcdPermissionError, EtcdRequestTooLargeError, EtcdError for the rest; writes (`commit`,
 * `acquireFence`) throw EtcdOutcomeUnknownError instead of EtcdUnavailableError when the request may
 * have been applied. Every call fails within the client's request timeout; none hangs.
 */
import type { Fence, GuardedTxn, ObservedKeys, TxnResult } from '../domain/types.ts';

/** One key of a prefix read. Revisions are int64 decimal strings (see domain/types.ts). */
export interface StoredKeyValue {
  readonly key: string;
  readonly value: string;
  readonly modRevision: string;
  readonly createRevision: string;
}

/** Every key under a prefix, read at one revision. */
export interface PrefixSnapshot {
  readonly revision: string;
  readonly kvs: readonly StoredKeyValue[];
}

export interface ConfigStore {
  /**
   * Reads the data key and the meta key in one linearizable read (one read-only transaction), so
   * both states and `revision` belong to the same point in the store's history.
   */
  read(dataKey: string, metaKey: string): Promise<ObservedKeys>;

  /**
   * Applies `txn` as one etcd transaction: if every compare holds, all operations apply at one new
   * revision; otherwise nothing applies and the `readBackOnFailure` keys are read in the same
   * transaction.
   *
   * Guarantees: success returns the transaction's revision, which is the mod_revision of every key
   * it put (when `operations` contains at least one put or one delete of an existing key; a txn that
   * changes nothing returns the current revision). Failure returns the revision of the read-back.
   * Assumptions: not idempotent. After EtcdOutcomeUnknownError, re-read before retrying.
   */
  commit(txn: GuardedTxn): Promise<TxnResult>;

  /**
   * Takes over the fence: writes `fenceKey` (JSON `{holder, acquiredAt}`) unconditionally and returns
   * its new mod_revision T. Every later commit of this leader must compare `modRevision(fenceKey) ==
   * T` (plan code adds that compare); a later acquire by anyone moves the fence and makes those
   * commits fail in etcd.
   */
  acquireFence(fenceKey: string, holder: string): Promise<Fence>;

  /** The store's current revision (linearizable). */
  revision(): Promise<string>;

  /** Every key starting with `prefix`, read linearizably at one revision, sorted by key. */
  rangePrefix(prefix: string): Promise<PrefixSnapshot>;
}
