/**
 * A mirror of the store's data and meta keys, kept by the drift watch: one full read of the prefix,
 * then every change the watch delivers. The reconciler plans from it (no read before write); the
 * guarded transaction catches any stale view, and only then is etcd read.
 *
 * Guarantees: `observe` returns undefined until the first full read has been applied (the view
 * cannot tell yet). `apply` ignores changes not newer than what the mirror holds for a key, so a
 * watch event for a commit we already recorded is not news. It returns true when the change is news
 * (someone else's write, or ours before we recorded it).
 *
 * Assumption: a stale view is harmless. Every write it leads to is a guarded transaction.
 */
import { compareRevisions, type KeyState, type ObservedKeys } from '../domain/types.ts';
import type { StoreView } from './ports.ts';

const ABSENT: KeyState = { exists: false };

interface Entry {
  readonly state: KeyState;
  /** Revision at which this state was produced (the put's mod_revision or the delete's revision). */
  readonly at: string;
}

export class StoreMirror implements StoreView {
  private readonly keys = new Map<string, Entry>();
  private revision = '0';
  private synced = false;
  /** observe() answers only once the mirror has seen this revision (a new leader's fence). */
  private trustedFrom = '0';
  /** Values our in-flight transactions are putting, by key: their watch events are not news. */
  private readonly expected = new Map<string, string>();

  get isSynced(): boolean {
    return this.synced;
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Replaces everything with a full read of the prefix taken at `revision`, keeping what the mirror
   * learned after that revision (our own commits recorded while the read was in flight).
   */
  reset(kvs: readonly { key: string; value: string; modRevision: string; createRevision: string }[], revision: string): void {
    const newer = [...this.keys].filter(([, entry]) => compareRevisions(entry.at, revision) > 0);
    this.keys.clear();
    for (const kv of kvs) {
      this.keys.set(kv.key, { state: { exists: true, value: kv.value, modRevision: kv.modRevision, createRevision: kv.createRevision }, at: kv.modRevision });
    }
    for (const [key, entry] of newer) this.keys.set(key, entry);
    if (compareRevisions(revision, this.revision) > 0) this.revision = revision;
    this.synced = true;
  }

  /**
   * Until the mirror has seen `revision`, observe() says it cannot tell. A new leader calls this
   * with its fence's revision: what the previous leader wrote before the takeover is then in the view
   * before the view is trusted (the fence key is on the watch too).
   */
  requireRevision(revision: string): void {
    this.trustedFrom = revision;
  }

  /** Whether the mirror has seen everything up to the revision it must trust from. */
  get isCaughtUp(): boolean {
    return this.synced && compareRevisions(this.revision, this.trustedFrom) >= 0;
  }

  observe(dataKey: string, metaKey: string): ObservedKeys | undefined {
    if (!this.isCaughtUp) return undefined;
    return { data: this.keys.get(dataKey)?.state ?? ABSENT, meta: this.keys.get(metaKey)?.state ?? ABSENT, revision: this.revision };
  }

  get(key: string): KeyState {
    return this.keys.get(key)?.state ?? ABSENT;
  }

  record(key: string, state: KeyState, revision: string): void {
    this.apply(key, state, revision);
  }

  expect(key: string, value: string): void {
    this.expected.set(key, value);
  }

  settle(key: string): void {
    this.expected.delete(key);
  }

  /** Applies one change at `revision`; true when it was news to the mirror. */
  apply(key: string, state: KeyState, revision: string): boolean {
    const known = this.keys.get(key);
    if (known !== undefined && compareRevisions(revision, known.at) <= 0) return false;
    if (compareRevisions(revision, this.revision) > 0) this.revision = revision;
    // Deleted keys leave no tombstone: a late replay of an older put can only make the view stale,
    // and a stale view costs a failed compare and a read, never a wrong write.
    if (state.exists) this.keys.set(key, { state, at: revision });
    else this.keys.delete(key);
    // The watch overtook the answer to our own transaction: applied, but not news.
    return !(state.exists && this.expected.get(key) === state.value);
  }
}
