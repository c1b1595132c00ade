/**
 * The reader's public types: what `cairn/client` takes and returns. Revisions are etcd revisions as
 * decimal strings (int64: a JavaScript number cannot hold every one), as `status.revision` shows them.
 */
import type { ReadError } from './errors.ts';

export interface ClientOptions {
  /** etcd client URLs, `http://host:port` or `https://host:port`. */
  readonly endpoints: readonly string[];
  /** PEM contents (not paths). Without `ca`, the server is verified against the system roots. */
  readonly tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };
  readonly auth?: { readonly username: string; readonly password: string };
  /** The operator's `--prefix`; default `/cairn`. */
  readonly prefix?: string;
  /** Deadline of each etcd call; default 5000 ms. */
  readonly requestTimeoutMs?: number;
}

/**
 * A schema a reader expects, with the TypeScript type it stands for. The embedded schemas are
 * exported as such (`database`, `featureFlags`, ...); `cairn types NAME@vN` generates one for a
 * declared schema (`declaredSchema`).
 */
export interface ValueSchema<T> {
  /** `name@vN`: the value must have been committed with exactly this schema version. */
  readonly id: string;
  /** The runtime guard: true when `value` is a T. */
  readonly is: (value: unknown) => value is T;
}

/** One committed value, checked: its bytes are what Cairn committed, and it conforms to its schema. */
export interface Entry<T = unknown> {
  readonly namespace: string;
  /** The key relative to the namespace (`spec.key`, or the entry's name). */
  readonly key: string;
  readonly value: T;
  /** mod_revision of the data key: the `status.revision` the entry reported when it committed this value. */
  readonly revision: string;
  /** metadata.generation of the ConfigEntry whose spec produced this value. */
  readonly generation: number;
  /** The schema id the value was validated against at commit, `name@vN`. */
  readonly schema: string;
  /** `sha256:<hex>` of the stored bytes, as committed (and as `status.dataHash` shows it). */
  readonly dataHash: string;
}

/**
 * A ConfigBundle's members as one generation committed them, read at one revision: every member is
 * checked as `get` checks an entry, and every member's meta names the bundle record's generation.
 */
export interface Bundle {
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation of the ConfigBundle whose spec these members are. */
  readonly generation: number;
  /** The newest mod_revision of the record and the members' keys: from it on, every member holds these values (the bundle's `status.revision`). */
  readonly revision: string;
  /** The store revision the record and every member were read at. */
  readonly readAt: string;
  /** In the order of the bundle's spec. */
  readonly members: readonly Entry[];
}

export interface GetBundleOptions {
  /** Read only once the store has reached this revision (the bundle's `status.revision` when it was Ready); waits up to `timeoutMs`. */
  readonly atLeast?: string | number | bigint;
  readonly consistency?: Consistency;
  /** Bound of the wait for `atLeast`; default 10000 ms. */
  readonly timeoutMs?: number;
}

/** `linearizable` (default): what a quorum agreed, never stale. `serializable`: the member's local state, faster, may lag. */
export type Consistency = 'linearizable' | 'serializable';

export interface GetOptions<T> {
  /** The expected schema: the value is typed as T, and a value of another schema is SchemaMismatch. */
  readonly schema?: ValueSchema<T>;
  /**
   * Read only once the store has reached this revision (read-your-commit: pass the `status.revision`
   * of the entry that was Ready). Waits up to `timeoutMs`, then TimeoutError.
   */
  readonly atLeast?: string | number | bigint;
  readonly consistency?: Consistency;
  /** Bound of the wait for `atLeast`; default 10000 ms. */
  readonly timeoutMs?: number;
}

export interface ListOptions<T> {
  /** Only keys starting with this (relative to the namespace); default all. */
  readonly prefix?: string;
  readonly schema?: ValueSchema<T>;
  readonly consistency?: Consistency;
}

/** A key whose value could not be served (tampered, not of the expected schema, not Cairn's). */
export interface Rejected {
  readonly namespace: string;
  readonly key: string;
  readonly error: ReadError;
}

/** Every value under a namespace (and key prefix) at one revision. */
export interface Snapshot<T = unknown> {
  readonly revision: string;
  readonly entries: readonly Entry<T>[];
  readonly rejected: readonly Rejected[];
}

export interface WatchOptions<T> {
  /** Only keys starting with this (relative to the namespace); default all. */
  readonly prefix?: string;
  readonly schema?: ValueSchema<T>;
  /**
   * Deliver the changes after this revision. Without it the watch starts with a `resync` snapshot of
   * the current state (reason `initial`), then the changes after it.
   */
  readonly afterRevision?: string;
  /**
   * Told of each failure the watch retries by itself (a reconnect, a retried read): UnavailableError,
   * or PermissionDeniedError when etcd refuses the caller (retried too, since roles can be granted
   * while the watch waits; close the watch here to give up instead). Not a watch etcd cancelled
   * because history was compacted: etcd is there, and the `resync` (reason `compacted`) says it.
   */
  readonly onError?: (error: ReadError) => void;
  /**
   * Told once when etcd answers again after failures told to `onError`: when each source that
   * failed (the data watch, the meta watch, the reads) has answered since (an event, a progress
   * notification or a read came back), not at the first answer of any of them. With `onError`, what
   * a caller needs to say "lost" and "back" once each instead of once per retry.
   */
  readonly onRecovered?: () => void;
  /**
   * Most changes waiting for the consumer (default 10,000): past it they are dropped and the consumer
   * gets one `resync` snapshot (reason `overflow`) instead, so a slow consumer costs bounded memory.
   */
  readonly maxQueued?: number;
}

/**
 * Why a watch yielded a snapshot: the first state; history it needed was compacted; etcd cancelled the
 * watch, or it fell silent, and was re-read; the consumer fell so far behind that waiting changes were
 * dropped for a snapshot.
 */
export type ResyncReason = 'initial' | 'compacted' | 'canceled' | 'silent' | 'overflow';

/**
 * One item of a watch, in revision order (every item's revision is above the previous one's):
 * - `put`: a committed value, checked as `get` checks it;
 * - `delete`: the value was removed (its entry deleted, deletionPolicy Delete);
 * - `rejected`: a value was written that cannot be served (see `error`); the previous one is no longer current;
 * - `resync`: the whole state at `revision`; replace what you hold with it. Changes between the last item
 *   and `revision` may not be yielded one by one (history was compacted), but none is lost: the snapshot has their result.
 */
export type Change<T = unknown> =
  | { readonly type: 'put'; readonly revision: string; readonly entry: Entry<T> }
  | { readonly type: 'delete'; readonly revision: string; readonly namespace: string; readonly key: string }
  | { readonly type: 'rejected'; readonly revision: string; readonly namespace: string; readonly key: string; readonly error: ReadError }
  | { readonly type: 'resync'; readonly revision: string; readonly reason: ResyncReason; readonly snapshot: Snapshot<T> };

/** A running watch: iterate it with `for await`; `close()` (or leaving the loop) stops it. */
export interface Watch<T = unknown> extends AsyncIterableIterator<Change<T>> {
  close(): Promise<void>;
}

/** A declared schema version as the operator published it at `P/schemas/<name>/<version>`. */
export interface PublishedSchema {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly deprecated: boolean;
  readonly deprecationWarning?: string;
  readonly openAPIV3Schema: Record<string, unknown>;
}

/** The reader: one pooled etcd connection. */
export interface Client {
  /** The value at `<namespace>/<key>`, checked (integrity and schema). Throws a ReadError. */
  get<T = unknown>(namespace: string, key: string, options?: GetOptions<T>): Promise<Entry<T>>;
  /**
   * A ConfigBundle's members at one revision (one etcd read with its record): never members of two
   * generations. Throws a ReadError: NotFound without a record, IntegrityError when a member is not
   * as its bundle committed it.
   */
  getBundle(namespace: string, name: string, options?: GetBundleOptions): Promise<Bundle>;
  /** Every value under the namespace (and prefix), checked, at one revision. */
  list<T = unknown>(namespace: string, options?: ListOptions<T>): Promise<Snapshot<T>>;
  /** The changes under the namespace (and prefix), typed, in revision order, across reconnects and compactions. */
  watch<T = unknown>(namespace: string, options?: WatchOptions<T>): Watch<T>;
  /** A published declared schema version (`name@vN`); NotFoundError when it is not published. */
  publishedSchema(id: string): Promise<PublishedSchema>;
  /** Stops every watch and closes the connection. */
  close(): Promise<void>;
}
