/**
 * The bundle record at `P/bundles/<namespace>/<name>`: which keys a ConfigBundle's last committed
 * generation holds, written and compared in the same guarded transaction as the members' keys. It is
 * what a new generation (and the bundle's deletion) takes the members to remove from, instead of
 * status.members, which a lost status patch leaves behind: a generation committed whose status never
 * said so is still in the record, so the members the next generation drops are still found and
 * deleted. Readers use it too: a bundle's members are the record's, read at the record's revision.
 *
 * Guarantees:
 * - A record is canonical JSON of: the owner's uid, namespace and name, the generation committed
 *   (every member's meta of that commit names the same generation), the members' relative keys in
 *   spec order, the fence revision its transaction compared, and the commit time.
 * - A record that is not Cairn's (unparsable, a member key that is not a relative key) reads as
 *   'unreadable', and is never trusted to name keys (so never to widen the bundle's namespace).
 *
 * Errors: none thrown.
 */
import { z } from 'zod';
import { canonicalJson } from './canonical.ts';
import { checkRelativeKey, entryKeys, type EntryKeys } from './keys.ts';
import { parseRecord } from './stored-meta.ts';
import type { KeyState } from './types.ts';

export interface BundleRecord {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation committed; every member's meta of that commit records the same. */
  readonly generation: number;
  /** The members' relative keys, in spec order. */
  readonly members: readonly string[];
  /** The fence revision the writing transaction compared. */
  readonly fence: string;
  /** RFC 3339 time of the commit (provenance only; never compared). */
  readonly committedAt: string;
}

const BundleRecordSchema = z.object({
  uid: z.string().min(1),
  namespace: z.string(),
  name: z.string(),
  generation: z.number().int(),
  members: z.array(z.string().refine((key) => checkRelativeKey(key).ok)),
  fence: z.string(),
  committedAt: z.string(),
});

/** `P/bundles/`: where every bundle record lives (the drift watch and the reader range over it). */
export function bundlesPrefix(prefix: string): string {
  return `${prefix}/bundles/`;
}

/** `P/bundles/<namespace>/<name>`. */
export function bundleRecordKey(prefix: string, namespace: string, name: string): string {
  return `${bundlesPrefix(prefix)}${namespace}/${name}`;
}

/** Whether `key` is a bundle record's key under `prefix`. */
export function isBundleRecordKey(prefix: string, key: string): boolean {
  return key.startsWith(bundlesPrefix(prefix));
}

/** The record in a record key's value, or undefined when the value is not a Cairn bundle record. */
export function parseBundleRecord(value: string): BundleRecord | undefined {
  return parseRecord(BundleRecordSchema, value);
}

/** The value written to the record key: canonical JSON of the record. */
export function serializeBundleRecord(record: BundleRecord): string {
  return canonicalJson(record);
}

/**
 * What a record key says as observed: 'absent', the record, 'unreadable' (not Cairn's), or
 * 'unknown' when only its hash was kept (read it first).
 */
export function bundleRecordOf(state: KeyState): BundleRecord | 'absent' | 'unreadable' | 'unknown' {
  if (!state.exists) return 'absent';
  if (state.value === undefined) return 'unknown';
  return parseBundleRecord(state.value) ?? 'unreadable';
}

/** The record's members as key pairs in `namespace`. */
export function recordMemberKeys(record: BundleRecord, prefix: string, namespace: string): EntryKeys[] {
  return record.members.map((key) => entryKeys(prefix, namespace, key));
}

/** The record `state` holds when it is the record of the bundle with `uid`; undefined otherwise (absent, not observed, not kept, unreadable, another owner's). */
export function ownRecord(state: KeyState | undefined, uid: string): BundleRecord | undefined {
  const found = state === undefined ? 'unknown' : bundleRecordOf(state);
  return typeof found === 'object' && found.uid === uid ? found : undefined;
}
