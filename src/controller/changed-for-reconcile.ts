/**
 * The informer's predicate: which changes to a ConfigEntry need a reconcile. Our own status writes
 * change nothing the reconciler reads and are skipped (controller-runtime's generation-changed
 * predicate); spec (generation), deletion, finalizer and identity (uid) changes are not.
 */
import type { ConfigEntry } from '../api/config-entry.ts';

/** The metadata every controller of Cairn reacts to: spec (generation), deletion and finalizers. */
export interface ReconciledMetadata {
  readonly generation?: number | undefined;
  readonly deletionTimestamp?: string | undefined;
  readonly finalizers?: readonly string[] | undefined;
}

/** Whether spec, deletion or finalizers changed (not status alone). */
export function metadataChanged(a: ReconciledMetadata, b: ReconciledMetadata): boolean {
  return a.generation !== b.generation || a.deletionTimestamp !== b.deletionTimestamp || (a.finalizers ?? []).join('\n') !== (b.finalizers ?? []).join('\n');
}

export function changedForReconcile(before: ConfigEntry, after: ConfigEntry): boolean {
  return metadataChanged(before.metadata, after.metadata) || before.metadata.uid !== after.metadata.uid;
}
