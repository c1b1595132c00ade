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

/**
 * One copy of the strings many cached objects repeat (namespace, finalizers, schema ids): every
 * object parsed from the apiserver brings its own copy (V8's JSON.parse shares only values of up to
 * 10 characters), about 130 bytes per entry. Bounded: at most `max` strings of at most 64
 * characters; full, it starts over (a string it does not share is only a copy, never wrong).
 */
export class StringInterner {
  private readonly held = new Map<string, string>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.held.size;
  }

  /** `value`, or the equal string this interner already holds. */
  intern<V>(value: V): V {
    if (typeof value !== 'string' || value.length > 64) return value;
    const held = this.held.get(value);
    if (held !== undefined) return held as V;
    if (this.held.size >= this.max) this.held.clear();
    this.held.set(value, value);
    return value;
  }
}

const shared = new StringInterner(512);

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
  if (metadata.namespace !== undefined) metadata.namespace = shared.intern(metadata.namespace);
  if (Array.isArray(metadata.finalizers)) metadata.finalizers = metadata.finalizers.map((f: unknown) => shared.intern(f));
  const trimmed: Cacheable = { metadata, spec: withSchemaInterned(source.spec) };
  if (source.status !== undefined) trimmed.status = withSchemaInterned(source.status);
  return trimmed as T;
}

/** A shallow copy of `part` (spec or status) with its `schema` id shared, or `part` itself when it has none. */
function withSchemaInterned(part: unknown): unknown {
  if (typeof part !== 'object' || part === null || typeof (part as { schema?: unknown }).schema !== 'string') return part;
  return { ...part, schema: shared.intern((part as { schema: string }).schema) };
}
