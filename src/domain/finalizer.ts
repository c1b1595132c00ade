/**
 * The finalizer as a small state machine computed from the object (after kube-rs
 * `kube-runtime/src/finalizer.rs`). The reconciler switches on the state:
 *
 *   needsFinalizer  live, finalizer missing  -> add it (a patch), then continue as `active`
 *   active          live, finalizer present  -> plan and commit
 *   finalizing      being deleted, finalizer present -> planDeletion, execute, then remove the finalizer
 *   released        being deleted, finalizer absent  -> nothing to do; the apiserver finishes deletion
 *
 * Guarantees: an entry that ever reached `active` cannot disappear before `finalizing` ran to the
 * end (the finalizer holds it), so its etcd keys are deleted or released exactly as its
 * deletionPolicy says. The finalizer is added before the first etcd write.
 *
 * Assumptions: the MutatingAdmissionPolicy usually adds the finalizer at CREATE, so `needsFinalizer`
 * is rare; adding and removing are idempotent (patches computed by `withFinalizer`/`withoutFinalizer`
 * are no-ops when already applied). Cleanup in `finalizing` must be idempotent: it may run again after
 * a crash between the etcd transaction and the finalizer removal.
 *
 * Errors: none; this only reads the object. If cleanup fails, the finalizer stays and the reconcile
 * is retried by the error policy.
 */
import type { ObjectMeta } from '../api/config-entry.ts';
import { FINALIZER } from '../api/names.ts';

export type FinalizerState = 'needsFinalizer' | 'active' | 'finalizing' | 'released';

type FinalizerFields = Pick<ObjectMeta, 'deletionTimestamp' | 'finalizers'>;

/** Does the object carry Cairn's finalizer (`name`: a ConfigSchema's is SCHEMA_FINALIZER)? */
export function hasFinalizer(metadata: FinalizerFields, name: string = FINALIZER): boolean {
  return (metadata.finalizers ?? []).includes(name);
}

/** Is the object being deleted (deletionTimestamp set)? */
export function isDeleting(metadata: FinalizerFields): boolean {
  return metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null;
}

/** The state of the object with respect to Cairn's finalizer. */
export function finalizerState(metadata: FinalizerFields, name: string = FINALIZER): FinalizerState {
  const present = hasFinalizer(metadata, name);
  if (isDeleting(metadata)) return present ? 'finalizing' : 'released';
  return present ? 'active' : 'needsFinalizer';
}

/** The finalizer list with Cairn's finalizer added once (order of others kept). */
export function withFinalizer(finalizers: readonly string[] | undefined, name: string = FINALIZER): string[] {
  const list = [...(finalizers ?? [])];
  return list.includes(name) ? list : [...list, name];
}

/** The finalizer list without Cairn's finalizer (others kept, in order). */
export function withoutFinalizer(finalizers: readonly string[] | undefined, name: string = FINALIZER): string[] {
  return (finalizers ?? []).filter((f) => f !== name);
}
