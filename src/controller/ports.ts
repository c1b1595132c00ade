/**
 * What the controller needs from the outside world, declared here so the controller depends on
 * interfaces and main.ts wires the concrete adapters (kube/, etcd/). Errors the adapters throw are
 * Cairn's own (domain/errors.ts classes, or adapter errors that extend them).
 */
import type { ConfigEntry, ConfigEntryStatus } from '../api/config-entry.ts';
import type { Fence, FenceAcquisition, GuardedTxn, KeyState, ObservedKeys, TxnResult } from '../domain/types.ts';

/** Several keys read at one revision. */
export interface ObservedKeySet {
  readonly keys: Readonly<Record<string, KeyState>>;
  readonly revision: string;
}

/** The informer's cache of ConfigEntries, keyed `namespace/name`. */
export interface EntryCache {
  get(key: string): ConfigEntry | undefined;
  keys(): string[];
  /** Puts the apiserver's answer to our own write into the cache, if the cache still holds `fromResourceVersion`. */
  replaceIfUnchanged(key: string, fromResourceVersion: string | undefined, object: ConfigEntry): void;
}

/** Writes to ConfigEntries on the apiserver. */
export interface EntryWriter {
  /**
   * Replaces status via the status subresource, only if the object is still at resourceVersion (409
   * otherwise): status computed from an older version of the object is never written over a newer one.
   */
  patchStatus(namespace: string, name: string, status: ConfigEntryStatus, resourceVersion: string): Promise<ConfigEntry>;
  /** Sets metadata.finalizers if the object is still at resourceVersion (409 otherwise). */
  setFinalizers(namespace: string, name: string, finalizers: readonly string[], resourceVersion: string): Promise<ConfigEntry>;
}

export interface EntryEventSink {
  record(entry: ConfigEntry, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): void;
}

/** One key of a prefix read. Revisions are int64 decimal strings (see domain/types.ts). */
export interface StoredKeyValue {
  readonly key: string;
  readonly value: string;
  readonly modRevision: string;
  readonly createRevision: string;
}

/** One key of a full read as the store view keeps it (hash and revisions; see controller/store-mirror.ts). */
export interface KeySnapshot {
  readonly key: string;
  readonly state: KeyState;
}

/**
 * The etcd store: the one port through which the controller (and the drift watch's full reads)
 * reach etcd. etcd/store.ts (EtcdStore) implements it over a real etcd; nothing here names etcd3.
 *
 * Errors (every method): EtcdUnavailableError when etcd could not serve the call (transient),
 * EtcdPermissionError, EtcdRequestTooLargeError, EtcdError for the rest; writes (`commit`,
 * `acquireFence`) throw EtcdOutcomeUnknownError instead of EtcdUnavailableError when the request may
 * have been applied. Every call fails within the client's request timeout; none hangs.
 */
export interface Store {
  /**
   * Reads the data key and the meta key in one linearizable read (one read-only transaction), so
   * both states and `revision` belong to the same point in the store's history. Values are kept.
   */
  read(dataKey: string, metaKey: string): Promise<ObservedKeys>;

  /**
   * Reads `keys` in one linearizable read at one revision (a bundle's members). A key absent from
   * etcd is `{ exists: false }` in the answer. At most etcd's `--max-txn-ops` keys.
   */
  readKeys(keys: readonly string[]): Promise<ObservedKeySet>;

  /**
   * Applies `txn` as one etcd transaction: if every compare holds, all operations apply at one new
   * revision; otherwise nothing applies and the `readBackOnFailure` keys are read in the same
   * transaction.
   *
   * Guarantees: success returns the transaction's revision, which is the mod_revision of every key
   * it put (when `operations` contains at least one put or one delete of an existing key; a txn that
   * changes nothing returns the current revision). Failure returns the revision of the read-back.
   * Assumptions: not idempotent. After an outcome-unknown error, re-read before retrying.
   */
  commit(txn: GuardedTxn): Promise<TxnResult>;

  /**
   * Takes over the fence: writes `fenceKey` (JSON `{holder, acquiredAt}`) if and only if its
   * mod_revision is still `seen` (the fence as the caller last saw it; '0': absent), and returns the
   * new mod_revision T. Every later commit of this leader must compare `modRevision(fenceKey) == T`
   * (plan code adds that compare); a later acquire by anyone moves the fence and makes those commits
   * fail in etcd. When the fence moved since `seen`, nothing is written and the answer carries its
   * mod_revision now: a caller still entitled to take over (it holds the Lease) acquires again with
   * it, so a deposed leader's fence never blocks a successor, while an acquisition sent long ago (an
   * abandoned takeover's, delayed in the network) cannot move a fence taken after it was sent.
   */
  acquireFence(fenceKey: string, holder: string, seen: string): Promise<FenceAcquisition>;

  /** The store's current revision (linearizable). */
  revision(): Promise<string>;

  /**
   * Reads every key starting with `prefix` at one revision (linearizable), in pages (a range with a
   * limit, continued after the last key, every page at the first page's revision), and hands each
   * key to `visit` in key order; returns that revision. At most one page is held at a time: `visit`
   * keeps what it needs, so a caller that keeps hashes holds no values.
   * Errors: as above; an EtcdError when the revision was compacted between two pages (read again).
   */
  scanPrefix(prefix: string, visit: (kv: StoredKeyValue) => void): Promise<string>;
}

/**
 * What the drift watch has seen of the store, for planning without a read. It holds hashes and
 * revisions (values only for small meta records): a plan that needs a value asks for a read.
 */
export interface StoreView {
  /** The keys as last seen, or undefined when the view cannot tell (not synced, or keys it does not hold). */
  observe(dataKey: string, metaKey: string): ObservedKeys | undefined;
  /** Several keys as last seen, or undefined when the view cannot tell any one of them. */
  observeKeys(keys: readonly string[]): Readonly<Record<string, KeyState>> | undefined;
  /** Records the state a successful transaction produced, before the watch reports it. */
  record(key: string, state: KeyState, revision: string): void;
  /**
   * Announces that a transaction about to be sent puts a value with `hash` at `key`, so that its
   * watch event, should it arrive before `record`, is recognised as ours. `settle` withdraws it.
   */
  expect(key: string, hash: string): void;
  settle(key: string): void;
}

/**
 * This replica's fence, as its leadership holds it (controller/leadership.ts; the manager wires it):
 * every write to etcd is made under one, and says so through here when it cannot tell what happened.
 */
export interface Fencing {
  /** The fence to write under now; undefined while this replica does not lead. */
  current(): Fence | undefined;
  /**
   * Whether this replica has held a fence without interruption since `fence` (it, or a later move of
   * it): what was decided under `fence` may still be written, status included.
   */
  stillHolds(fence: Fence): boolean;
  /**
   * After a write under `fence` whose outcome is unknown, and before etcd is read to decide what to
   * do: moves the fence past it (one move for every caller in the same situation), so nothing sent
   * under `fence` can apply any more; returns the fence to write under from now on.
   * Errors: FencingLostError when another process took the fence or this replica does not lead any
   * more (leave the key to the new leader); FenceUnavailableError when this replica's own move failed
   * and it is fencing again (write nothing, retry the key later).
   */
  supersede(fence: Fence): Promise<Fence>;
  /**
   * A transaction under `fence` failed its fence compare and read the fence key back as `fenceNow`:
   * the fence this replica moved to meanwhile (plan again under it, from the transaction's read-back).
   * A read-back newer than the fence this replica moved to is another process's, never ours.
   * Errors: as `supersede`'s. A read-back naming another holder is reported (cairn_fencing_lost_total).
   */
  afterRefusal(fence: Fence, fenceNow: KeyState): Promise<Fence>;
}

/** Whether an error means "the write may or may not have happened" (a timed-out commit). */
export type OutcomeUnknownTest = (error: unknown) => boolean;
