/**
 * Drift: was a change seen on the watch of `P/data/` and `P/meta/` made by Cairn's last commit, or
 * by someone else? The answer only decides whether to enqueue the owning entry; the reconcile then
 * reads etcd again and plan() decides what to do (correct or report), so a wrong "drift" costs a
 * read, never a write.
 */
import { compareRevisions } from './types.ts';
import { sha256 } from './canonical.ts';
import type { EntryKeys } from './keys.ts';
import { parseStoredMeta } from './stored-meta.ts';

/** What this replica last committed (or found up to date) for one entry. */
export interface LastCommit {
  readonly keys: Pick<EntryKeys, 'data' | 'meta'>;
  readonly uid: string;
  /** mod_revision of the data key after the commit (status.revision). */
  readonly revision: string;
  readonly dataHash: string;
}

/** One event from the etcd watch, as the adapter reports it. */
export type WatchedChange =
  | { readonly kind: 'put'; readonly key: string; readonly value: string; readonly modRevision: string }
  | { readonly kind: 'delete'; readonly key: string; readonly modRevision: string };

export type ChangeVerdict =
  /** Made by the last commit, or older than it, or leaves the same content: nothing to do. */
  | { readonly kind: 'ours' }
  /** Someone else changed a managed key: reconcile the owning entry. */
  | { readonly kind: 'drift'; readonly message: string }
  /** No record of a last commit for this key (e.g. after a restart): reconcile to find out. */
  | { readonly kind: 'unknown' };

/**
 * Classifies a watched change against the last commit of the entry owning that key.
 * Assumes `change.key` is `last.keys.data` or `last.keys.meta` (the caller routed it there).
 */
export function classifyChange(change: WatchedChange, last: LastCommit | undefined): ChangeVerdict {
  if (last === undefined) return { kind: 'unknown' };
  // A delete event carries the revision of the deletion; a put, the key's new mod_revision.
  if (compareRevisions(change.modRevision, last.revision) <= 0) return { kind: 'ours' };

  if (change.key === last.keys.data) {
    if (change.kind === 'delete') return drift(`${change.key} was deleted outside Cairn at revision ${change.modRevision}`);
    if (sha256(change.value) === last.dataHash) return { kind: 'ours' };
    return drift(`${change.key} was changed outside Cairn at revision ${change.modRevision}`);
  }
  if (change.key === last.keys.meta) {
    if (change.kind === 'delete') return drift(`${change.key} was deleted outside Cairn at revision ${change.modRevision}`);
    const meta = parseStoredMeta(change.value);
    if (meta !== undefined && meta.uid === last.uid && meta.dataHash === last.dataHash) return { kind: 'ours' };
    return drift(`${change.key} was changed outside Cairn at revision ${change.modRevision}`);
  }
  return { kind: 'unknown' };
}

function drift(message: string): ChangeVerdict {
  return { kind: 'drift', message };
}
