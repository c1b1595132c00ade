/**
 * The metas the reader's watch saw on its watch of the meta prefix, kept until the data put of the
 * same key and revision asks for one, so that a put needs no read of its meta (one round trip per
 * change). Pure bookkeeping, no I/O: the watch offers what the meta watch delivers and asks per put.
 *
 * Why the join is exact: the operator writes an entry's data and meta in one transaction, so both
 * carry the same mod_revision, and a meta event of key k at revision r is the value of k's meta key
 * at r: what a range of it at revision r returns. A put without such an event (a data put alone in
 * its revision: a bundle member's drift correction, a write behind Cairn's back; or the meta watch
 * was away, re-read after a compaction, or the event was dropped at the bound) is read as before:
 * the join saves reads, it never changes an answer.
 *
 * Guarantees:
 * - `take(key, r)` answers only with a meta event seen for exactly `key` at `r`: its value, or
 *   `undefined` when that event deleted the meta key.
 * - Bounded: at most `limit` metas are kept (the oldest dropped first; their puts are read). `take`
 *   forgets every meta below the revision asked for: the watch asks in revision order, so none of
 *   them is asked for again.
 * Assumptions: metas are offered in revision order (one watch delivers them so); were one not, it
 * would only stay until the bound drops it.
 */
import { compareRevisions } from '../domain/types.ts';
import type { StoredKey } from './verify-entry.ts';

/** A meta event: the meta key's value at its revision, or undefined when the event deleted it. */
export interface SeenMeta {
  readonly revision: string;
  readonly meta: StoredKey | undefined;
}

export class MetaJoin {
  private readonly limit: number;
  /** Keyed by revision and relative key, in the order offered (revision order). */
  private readonly seen = new Map<string, SeenMeta>();

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  get size(): number {
    return this.seen.size;
  }

  /** A meta event of `key` (relative to the namespace) at `revision`. */
  offer(key: string, revision: string, meta: StoredKey | undefined): void {
    if (this.seen.size >= this.limit) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
    this.seen.set(idOf(key, revision), { revision, meta });
  }

  /** The meta event of `key` at exactly `revision`, if it was seen (and forgets it and everything below `revision`). */
  take(key: string, revision: string): SeenMeta | undefined {
    const id = idOf(key, revision);
    const found = this.seen.get(id);
    this.seen.delete(id);
    for (const [older, seen] of this.seen) {
      if (compareRevisions(seen.revision, revision) >= 0) break;
      this.seen.delete(older);
    }
    return found;
  }

  clear(): void {
    this.seen.clear();
  }
}

function idOf(key: string, revision: string): string {
  return `${revision} ${key}`;
}
