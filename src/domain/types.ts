/**
 * The shared vocabulary between the pure core (domain/), the etcd adapter (etcd/) and the reconciler
 * (controller/). Everything here is plain data: no classes, no I/O, serialisable as JSON.
 *
 * Revisions are etcd int64 values carried as decimal strings (etcd3 returns them as strings, and
 * JavaScript numbers cannot hold every int64). Compare them with `compareRevisions`, never with `<`.
 */

/** The kind of resource that owns a key. */
export type OwnerKind = 'ConfigEntry' | 'ConfigBundle';

/** What Cairn stores at `P/meta/<namespace>/<key>`: who owns the data key and what was committed. */
export interface StoredMeta {
  /**
   * Kind of the owner; absent means ConfigEntry (records written before bundles existed, and every
   * entry's record, which stays byte for byte as it was). Ownership is still decided by uid alone.
   */
  readonly ownerKind?: OwnerKind | undefined;
  /** Schema id the data was validated against, `name@vN`. */
  readonly schema: string;
  /** metadata.uid of the owning ConfigEntry or ConfigBundle: ownership is decided by uid, never by name. */
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation of the owner whose spec produced the stored data (a bundle's: the generation committed). */
  readonly generation: number;
  /** `sha256:<hex>` of the canonical JSON stored at the data key. */
  readonly dataHash: string;
  /** RFC 3339 time of the commit (provenance only; never compared). */
  readonly committedAt: string;
  /**
   * The fence revision the writing transaction compared (`mod_revision(P/fence)`, the writer's
   * fencing token): with etcd's history, whoever reads the record can check it was written by the
   * leader of that moment. Absent in records written before it was recorded; never compared by plan.
   */
  readonly fence?: string;
}

/**
 * One etcd key as last seen: absent, or present with the hash of its value and its revisions. The
 * value itself is there when the observer kept it (every read of etcd does; the store view keeps
 * meta records only, see domain/key-state.ts). Plans compare hashes; they need a value only to
 * adopt a value spelled differently from its canonical form, and ask for a read then.
 */
export type KeyState =
  | { readonly exists: false }
  | {
      readonly exists: true;
      /** `sha256:<hex>` of the stored value (UTF-8). */
      readonly hash: string;
      readonly value?: string;
      readonly createRevision: string;
      readonly modRevision: string;
    };

/** The etcd state relevant to one entry: its data key and its meta key, read at one revision. */
export interface ObservedKeys {
  readonly data: KeyState;
  readonly meta: KeyState;
  /** The store revision the read was served at (header revision). */
  readonly revision: string;
}

/** A compare in a guarded transaction. All compares must hold for the puts/deletes to apply. */
export type Compare =
  | { readonly kind: 'modRevision'; readonly key: string; readonly equals: string }
  /** `createRevision == 0` is how etcd says "this key does not exist". */
  | { readonly kind: 'absent'; readonly key: string };

export type Operation =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'delete'; readonly key: string };

/**
 * One etcd transaction: `if (all compares) then (operations)`. On failure the adapter re-reads the
 * keys named in `readBackOnFailure` in the same transaction's else branch so the caller can classify
 * why it failed without another round trip.
 */
export interface GuardedTxn {
  readonly compares: readonly Compare[];
  readonly operations: readonly Operation[];
  readonly readBackOnFailure: readonly string[];
}

export type TxnResult =
  | { readonly succeeded: true; readonly revision: string }
  | {
      readonly succeeded: false;
      readonly revision: string;
      /** Current state of each key in `readBackOnFailure`, by key. */
      readonly readBack: Readonly<Record<string, KeyState>>;
    };

/** The fencing token a leader holds: the mod_revision of `P/fence` its takeover wrote. */
export interface Fence {
  readonly key: string;
  readonly revision: string;
}

/**
 * What a fence acquisition (a put conditional on the fence revision the caller last saw) found:
 * the fence it now holds, or the fence key's mod_revision in etcd now ('0' when absent), which had
 * moved since the caller saw it (nothing was written).
 */
export type FenceAcquisition = { readonly acquired: true; readonly fence: Fence } | { readonly acquired: false; readonly current: string };

/** -1, 0 or 1 as a is below, equal to or above b (int64 decimal strings). */
export function compareRevisions(a: string, b: string): -1 | 0 | 1 {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
