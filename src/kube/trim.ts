/**
 * What the informer keeps of each ConfigEntry: exactly what the reconciler reads (the metadata it
 * plans and patches with, spec, status), nothing else. managedFields, kubectl's last-applied
 * annotation, labels and the rest are usually most of an object's size, and Cairn never reads them
 * (see the benchmark's memory figures: bytes per cached entry beside the entry's JSON).
 */
const KEPT_METADATA = ['name', 'namespace', 'uid', 'generation', 'resourceVersion', 'deletionTimestamp', 'finalizers'] as const;

interface Cacheable {
  metadata?: Record<string, unknown>;
  spec?: unknown;
  status?: unknown;
}

/** A new object with the kept metadata, spec and status of `object` (which is left as it is). */
export function trimForCache<T>(object: T): T {
  return trim(object, KEPT_METADATA);
}

/**
 * The same for a ConfigSchema, labels kept: the schema reconciler reads the embedded label
 * (controller/keep-embedded.ts). ConfigSchemas are few; their labels cost nothing worth saving.
 */
export function trimSchemaForCache<T>(object: T): T {
  return trim(object, [...KEPT_METADATA, 'labels']);
}

function trim<T>(object: T, kept: readonly string[]): T {
  const source = object as Cacheable;
  if (source.metadata === undefined) return object;
  const metadata: Record<string, unknown> = {};
  for (const field of kept) if (source.metadata[field] !== undefined) metadata[field] = source.metadata[field];
  const trimmed: Cacheable = { metadata, spec: source.spec };
  if (source.status !== undefined) trimmed.status = source.status;
  return trimmed as T;
}
