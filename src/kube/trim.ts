/**
 * What the informer keeps of each object: everything the reconciler reads, nothing it does not.
 * managedFields and kubectl's last-applied annotation are usually most of an object's size and
 * Cairn never reads them (measured in the benchmark's memory figures).
 */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface Trimmable {
  metadata?: { managedFields?: unknown; annotations?: Record<string, string> };
}

/** Returns the object without managedFields and the last-applied annotation (mutates and returns it). */
export function trimForCache<T>(object: T): T {
  const meta = (object as Trimmable).metadata;
  if (!meta) return object;
  delete meta.managedFields;
  if (meta.annotations && LAST_APPLIED in meta.annotations) {
    delete meta.annotations[LAST_APPLIED];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return object;
}
