/**
 * The informer's predicate: which changes to a ConfigEntry need a reconcile. Our own status writes
 * change nothing the reconciler reads and are skipped (controller-runtime's generation-changed
 * predicate); spec (generation), deletion, finalizer and identity (uid) changes are not.
 */
import type { ConfigEntry } from '../api/config-entry.ts';

export function changedForReconcile(before: ConfigEntry, after: ConfigEntry): boolean {
  const a = before.metadata;
  const b = after.metadata;
  return a.generation !== b.generation || a.deletionTimestamp !== b.deletionTimestamp || (a.finalizers ?? []).join('\n') !== (b.finalizers ?? []).join('\n') || a.uid !== b.uid;
}
