/**
 * The store view: what the drift watch has seen of the keys this replica's entries claim, from one
 * full read of the prefix and then every change the watch delivers. The reconciler plans from it (no
 * read before write); the guarded transaction catches any stale view, and only then is etcd read.
 *
 * Bounded by what is claimed, and holding hashes, not values: a key is kept only while an entry or a
 * bundle in the informers' caches (which hold only the watched namespaces) claims it, or when it is
 * the fence; a data key is kept as the hash of its value and its revisions; a meta key with its
 * record when it is small (a Cairn record is a few hundred bytes), a bundle record with its value (a
 * few KiB at most). Nobody else's keys, and no data value, cost memory.
 *
 * Guarantees: `observe` returns undefined until the first full read has been applied and caught up
 * with the fence, and for keys claimed after the last full read that nothing has shown since (the
 * caller reads etcd). A retained key the view does not hold is absent: the last full read, whose
 * keys are all summarised before the claims filter them, did not contain it. `apply` ignores changes not newer than what the view holds for a key, or than
 * the last full read; it returns true when the change is news (someone else's write, or ours before
 * we recorded it). The view never goes backwards: a full read keeps what the view learned after the
 * read's revision (puts and deletes, ours and others'), and a read older than the last one applied is
 * ignored.
 *
 * Assumption: a view that lags is harmless for writes (every write it leads to is a guarded
 * transaction), but a decision to write nothing ("up to date") is not guarded: that is why the view
 * must never go backwards, and why the periodic resync replaces it with a fresh read of etcd.
 */
import type { ObservedKeys, KeyState } from '../domain/types.ts';
import { compareRevisions } from '../domain/types.ts';
import { entryKeys, fenceKey, parseStoreKey } from '../domain/keys.ts';
import { isBundleRecordKey } from '../domain/bundle-record.ts';
import { type PresentKeyState, presentKey, withoutValue } from '../domain/key-state.ts';
import type { KeySnapshot, StoreView, StoredKeyValue } from './ports.ts';

const ABSENT: KeyState = { exists: false };

/** Meta values up to this size are kept (parsed on use); larger ones are kept as a hash, and read when needed. */
export const META_VALUE_LIMIT = 4096;
/**
 * Bundle records up to this size are kept: a record of the most members a bundle may have, each key
 * at the longest, stays under it (63 x 256 bytes and the rest), so a bundle plans without a read.
 */
export const RECORD_VALUE_LIMIT = 32_768;

export interface StoreMirrorOptions {
  readonly prefix: string;
  /** Whether an entry this replica watches claims the data key `dataKey`. */
  readonly isClaimed: (dataKey: string) => boolean;
}

/**
 * What the view holds of a key: only present keys (a key it does not hold is absent), each as the
 * state itself, whose mod_revision is the revision the view learned it at (a put's, or the full
 * read's for what that read showed): one object per key, since a view holds two per entry.
 */
type Held = PresentKeyState;

export class StoreMirror implements StoreView {
  private readonly options: StoreMirrorOptions;
  private readonly fence: string;
  private readonly held = new Map<string, Held>();
  private revision = '0';
  /** Revision of the last full read: every change at or below it is already in the view. */
  private floor = '0';
  private synced = false;
  /** observe() answers only once the view has seen this revision (a new leader's fence). */
  private trustedFrom = '0';
  /** Hashes of the values our in-flight transactions are putting, by key: their watch events are not news. */
  private readonly expected = new Map<string, string>();
  /** Keys claimed after the last full read and not seen since: the view cannot tell their state. */
  private readonly unknown = new Set<string>();
  /**
   * Deletes of kept keys seen after the last full read (key -> revision). A full read taken before
   * such a delete still holds the key, and the watch will not send the delete again: without this,
   * the read would bring the key back and the plan would call a deleted value up to date. Emptied
   * of what each full read covers, so it holds at most the deletes of one resync period.
   */
  private readonly deletedAt = new Map<string, string>();

  constructor(options: StoreMirrorOptions) {
    this.options = options;
    this.fence = fenceKey(options.prefix);
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** How many keys the view holds (present keys entries claim, and the fence). */
  get size(): number {
    return this.held.size;
  }

  /** How many deletes newer than the last full read the view remembers. */
  get deletesHeld(): number {
    return this.deletedAt.size;
  }

  /**
   * Whether the view keeps `key`: the fence, or a data or meta key an entry claims. Before the first
   * full read is applied every key is kept (as a hash): the claims may not be known yet, and the
   * first full read then keeps only what is claimed.
   */
  retains(key: string): boolean {
    return !this.synced || this.isClaimedOrFence(key);
  }

  private isClaimedOrFence(key: string): boolean {
    if (key === this.fence) return true;
    if (isBundleRecordKey(this.options.prefix, key)) return this.options.isClaimed(key);
    const parsed = parseStoreKey(this.options.prefix, key);
    return parsed !== undefined && this.options.isClaimed(entryKeys(this.options.prefix, parsed.namespace, parsed.key).data);
  }

  /** A key of a full read as the view would keep it: hash and revisions; the value only for a small meta or fence record. */
  summarize(kv: StoredKeyValue): KeySnapshot {
    return { key: kv.key, state: this.kept(kv.key, presentKey(kv.value, kv.modRevision, kv.createRevision)) };
  }

  /**
   * Replaces the view with a full read of the prefix taken at `revision` (every key of it, which the
   * claims filter now), keeping what it learned after that revision (our own commits recorded while
   * the read was in flight).
   */
  reset(keys: readonly KeySnapshot[], revision: string): void {
    // Two reads can finish out of order (a periodic resync beside a re-read after silence): the older
    // one knows less than the view already does.
    if (this.synced && compareRevisions(revision, this.floor) < 0) return;
    const newer = [...this.held].filter(([, held]) => compareRevisions(held.modRevision, revision) > 0);
    this.held.clear();
    this.unknown.clear();
    for (const { key, state } of keys) {
      const deleted = this.deletedAt.get(key);
      if (deleted !== undefined && compareRevisions(deleted, revision) > 0) continue;
      // An absent key is not held (it reads as absent), and the read's revision (the floor) covers it.
      if (state.exists && this.isClaimedOrFence(key)) this.held.set(key, this.kept(key, state));
    }
    for (const [key, held] of newer) if (this.isClaimedOrFence(key)) this.held.set(key, held);
    if (compareRevisions(revision, this.revision) > 0) this.revision = revision;
    if (compareRevisions(revision, this.floor) > 0) this.floor = revision;
    for (const [key, at] of this.deletedAt) if (compareRevisions(at, this.floor) <= 0) this.deletedAt.delete(key);
    this.synced = true;
  }

  /**
   * An entry now claims `dataKey` (it did not before): unless the view holds its keys, it cannot
   * tell their state until the watch shows them or the next full read.
   */
  claimed(dataKey: string): void {
    if (!this.synced) return; // the first full read will cover it
    for (const key of [dataKey, this.metaKeyOf(dataKey)]) {
      if (key !== undefined && !this.held.has(key)) this.unknown.add(key);
    }
  }

  /**
   * Until the view has seen `revision`, observe() says it cannot tell. A new leader calls this with
   * its fence's revision: what the previous leader wrote before the takeover is then in the view
   * before the view is trusted (the fence key is on the watch too).
   */
  requireRevision(revision: string): void {
    this.trustedFrom = revision;
  }

  /** Whether the view has seen everything up to the revision it must trust from. */
  get isCaughtUp(): boolean {
    return this.synced && compareRevisions(this.revision, this.trustedFrom) >= 0;
  }

  observe(dataKey: string, metaKey: string): ObservedKeys | undefined {
    if (!this.isCaughtUp) return undefined;
    if (this.unknown.has(dataKey) || this.unknown.has(metaKey)) return undefined;
    return { data: this.held.get(dataKey) ?? ABSENT, meta: this.held.get(metaKey) ?? ABSENT, revision: this.revision };
  }

  /** Undefined too when a key is not one the view keeps (nobody claims it): the view cannot tell its state. */
  observeKeys(keys: readonly string[]): Readonly<Record<string, KeyState>> | undefined {
    if (!this.isCaughtUp || keys.some((key) => this.unknown.has(key) || !this.isClaimedOrFence(key))) return undefined;
    return Object.fromEntries(keys.map((key) => [key, this.held.get(key) ?? ABSENT]));
  }

  /** The state the view holds for `key` (absent when it holds none). */
  get(key: string): KeyState {
    return this.held.get(key) ?? ABSENT;
  }

  record(key: string, state: KeyState, revision: string): void {
    this.apply(key, state, revision);
  }

  expect(key: string, hash: string): void {
    this.expected.set(key, hash);
  }

  settle(key: string): void {
    this.expected.delete(key);
  }

  /**
   * Whether a change of `key` at `revision` is already in the view (the last full read showed it, or
   * the view holds that key at that revision or later: usually our own commit, recorded before its
   * watch event arrived): `apply` would ignore it, so its value need not even be hashed.
   */
  holdsChange(key: string, revision: string): boolean {
    if (compareRevisions(revision, this.floor) <= 0) return true;
    const known = this.held.get(key);
    return known !== undefined && compareRevisions(revision, known.modRevision) <= 0;
  }

  /**
   * Applies one change at `revision`; true when it was news to the view. A present `state` is the
   * put's, so its mod_revision is `revision` (the watch's events and our recorded commits are).
   */
  apply(key: string, state: KeyState, revision: string): boolean {
    if (this.holdsChange(key, revision)) return false;
    // Every change the watch delivers moves the view forward, kept or not: nothing before it is missing.
    if (compareRevisions(revision, this.revision) > 0) this.revision = revision;
    this.unknown.delete(key);
    // A key the view does not hold is absent; its delete is remembered only until the next full read
    // covers it (see deletedAt). The watch's echo of
    // our own delete is news, which queues whoever else claims the key: it may take it now.
    if (state.exists && this.retains(key)) this.held.set(key, this.kept(key, state));
    else this.held.delete(key);
    if (state.exists) this.deletedAt.delete(key);
    else if (this.retains(key)) this.deletedAt.set(key, revision);
    // The watch overtook the answer to our own transaction: applied, but not news.
    return !(state.exists && this.expected.get(key) === state.hash);
  }

  private kept(key: string, state: Held): Held {
    if (state.value === undefined) return state;
    if (isBundleRecordKey(this.options.prefix, key)) return state.value.length <= RECORD_VALUE_LIMIT ? state : withoutValue(state);
    const small = key === this.fence || parseStoreKey(this.options.prefix, key)?.kind === 'meta';
    return small && state.value.length <= META_VALUE_LIMIT ? state : withoutValue(state);
  }

  private metaKeyOf(dataKey: string): string | undefined {
    const parsed = parseStoreKey(this.options.prefix, dataKey);
    return parsed === undefined ? undefined : entryKeys(this.options.prefix, parsed.namespace, parsed.key).meta;
  }
}
