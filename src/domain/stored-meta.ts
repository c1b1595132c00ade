/**
 * The meta record at `P/meta/<namespace>/<key>`: who owns the data key and what was committed.
 * Ownership is decided by uid, never by name (a deleted and re-created entry is another owner).
 */
import { z } from 'zod';
import { canonicalJson } from './canonical.ts';
import type { OwnerKind, StoredMeta } from './types.ts';

const StoredMetaSchema = z.object({
  ownerKind: z.enum(['ConfigEntry', 'ConfigBundle']).optional(),
  schema: z.string(),
  uid: z.string().min(1),
  namespace: z.string(),
  name: z.string(),
  generation: z.number().int(),
  dataHash: z.string(),
  committedAt: z.string(),
  // Provenance only: records written before it was recorded stay readable (older readers drop it),
  // and a malformed one is dropped rather than making the owner record unreadable.
  fence: z.string().regex(/^[1-9][0-9]*$/).optional().catch(undefined),
});

/** `value` parsed as JSON and checked by `schema`, or undefined when it is not JSON or not of that shape (one of Cairn's records). */
export function parseRecord<T>(schema: z.ZodType<T>, value: string): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The record in a meta key's value, or undefined when the value is not a Cairn meta record. */
export function parseStoredMeta(value: string): StoredMeta | undefined {
  return parseRecord(StoredMetaSchema, value);
}

/** The value written to the meta key: canonical JSON of the record. */
export function serializeStoredMeta(meta: StoredMeta): string {
  return canonicalJson(meta);
}

/** Who owns a key: kind, namespace, name and uid. */
export interface Owner {
  readonly kind: OwnerKind;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** The owner a meta record names (a record without a kind is a ConfigEntry's). */
export function ownerOf(meta: StoredMeta): Owner {
  return { kind: meta.ownerKind ?? 'ConfigEntry', namespace: meta.namespace, name: meta.name, uid: meta.uid };
}

/** Who owns a key, for messages: `ConfigEntry shop/checkout-db (uid 1234)`. */
export function describeOwner(owner: Owner): string {
  return `${owner.kind} ${owner.namespace}/${owner.name} (uid ${owner.uid})`;
}

/** RFC 3339 at second precision, as the apiserver writes metav1.Time (so round trips compare equal). */
export function formatTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
