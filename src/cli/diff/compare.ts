/**
 * compareEntries: what Kubernetes declares (ConfigEntries, each value validated as the operator would
 * store it) against what etcd holds (data and meta keys), one item per key, in key order:
 *
 *   state       when
 *   in-sync     meta owned by the entry, at its generation, hash of the data = meta's = declared value's
 *   missing     the entry names a key etcd holds nothing at
 *   different   etcd holds the entry's key, but not the declared value (an older generation, a
 *               value not yet committed, or another owner's)
 *   drifted     the data key's bytes are not what Cairn committed (sha256 differs from the meta's)
 *   foreign     etcd holds a value no entry declares (no meta: not written by Cairn; or a meta whose
 *               owner is no entry listed: deleted with Retain, or written by another installation)
 *   invalid     the entry's spec cannot be stored (its data fails its schema, its key is invalid):
 *               what etcd holds is shown beside the reason
 * Keys owned by a ConfigBundle are not ConfigEntries' and are left out.
 *
 * Pure: inputs are read by the command; `declared` is the validation the operator would apply.
 */
import type { ConfigEntry } from '../../api/config-entry.ts';
import { canonicalJson, sha256 } from '../../domain/canonical.ts';
import { parseStoredMeta } from '../../domain/stored-meta.ts';
import type { StoredMeta } from '../../domain/types.ts';

export type DiffState = 'in-sync' | 'missing' | 'different' | 'drifted' | 'foreign' | 'invalid';

export interface StoredValue {
  readonly value: string;
  readonly modRevision: string;
}

export interface StoredPair {
  readonly data?: StoredValue;
  readonly meta?: StoredValue;
}

/** The operator's verdict on an entry's spec: the canonical JSON it would store, or why it cannot. */
export type Declared = { readonly ok: true; readonly canonical: string; readonly dataHash: string } | { readonly ok: false; readonly message: string } | { readonly ok: 'unknown'; readonly message: string };

export interface DiffItem {
  readonly namespace: string;
  readonly key: string;
  /** The ConfigEntry's name, when one declares the key. */
  readonly entry?: string;
  readonly state: DiffState;
  readonly detail: string;
  /** Canonical JSON Kubernetes declares (when it can be computed). */
  readonly declared?: string;
  /** The bytes etcd holds at the data key. */
  readonly stored?: string;
  readonly revision?: string;
}

export interface EntryInput {
  readonly entry: ConfigEntry;
  /** The entry's relative key, or undefined when its key is invalid (then `declared` says why). */
  readonly key: string | undefined;
  readonly declared: Declared;
}

function describeMeta(meta: StoredMeta): string {
  return `${meta.ownerKind ?? 'ConfigEntry'} ${meta.namespace}/${meta.name} (uid ${meta.uid}), generation ${meta.generation}`;
}

function judgeEntry(input: EntryInput, key: string, pair: StoredPair): DiffItem {
  const { entry, declared } = input;
  const base = { namespace: entry.metadata.namespace, key, entry: entry.metadata.name, ...(pair.data ? { stored: pair.data.value, revision: pair.data.modRevision } : {}), ...(declared.ok === true ? { declared: declared.canonical } : {}) };
  if (declared.ok === false) return { ...base, state: 'invalid', detail: declared.message };
  if (pair.data === undefined && pair.meta === undefined) return { ...base, state: 'missing', detail: 'etcd holds no value at this key' };
  const meta = pair.meta === undefined ? undefined : parseStoredMeta(pair.meta.value);
  if (pair.data !== undefined && meta !== undefined && sha256(pair.data.value) !== meta.dataHash) {
    return { ...base, state: 'drifted', detail: `the value was changed outside Cairn (sha256 ${sha256(pair.data.value)}; committed ${meta.dataHash} by generation ${meta.generation})` };
  }
  if (meta === undefined) return { ...base, state: 'different', detail: pair.meta === undefined ? 'etcd holds a value at this key that Cairn did not write (no meta record)' : 'the meta record is not Cairn\'s (unreadable)' };
  if (meta.uid !== entry.metadata.uid) return { ...base, state: 'different', detail: `the key is owned by ${describeMeta(meta)}` };
  if (pair.data === undefined) return { ...base, state: 'missing', detail: `the value committed by generation ${meta.generation} was deleted outside Cairn` };
  if (declared.ok === 'unknown') {
    return meta.generation === entry.metadata.generation
      ? { ...base, state: 'in-sync', detail: `committed by generation ${meta.generation} (${declared.message})` }
      : { ...base, state: 'different', detail: `etcd holds generation ${meta.generation}'s value; the entry is at generation ${entry.metadata.generation ?? '?'} (${declared.message})` };
  }
  if (meta.dataHash !== declared.dataHash) return { ...base, state: 'different', detail: `etcd holds generation ${meta.generation}'s value; the entry (generation ${entry.metadata.generation ?? '?'}) declares another` };
  return { ...base, state: 'in-sync', detail: `committed by generation ${meta.generation}` };
}

export function compareEntries(inputs: readonly EntryInput[], stored: ReadonlyMap<string, StoredPair>): DiffItem[] {
  const items: DiffItem[] = [];
  const declaredKeys = new Set<string>();
  const liveUids = new Set(inputs.map((i) => i.entry.metadata.uid));
  for (const input of inputs) {
    const key = input.key ?? input.entry.spec.key ?? input.entry.metadata.name;
    const id = `${input.entry.metadata.namespace}/${key}`;
    declaredKeys.add(id);
    items.push(judgeEntry(input, key, stored.get(id) ?? {}));
  }
  for (const [id, pair] of stored) {
    if (declaredKeys.has(id)) continue;
    const slash = id.indexOf('/');
    const meta = pair.meta === undefined ? undefined : parseStoredMeta(pair.meta.value);
    if (meta?.ownerKind !== undefined && meta.ownerKind !== 'ConfigEntry') continue;
    const base = { namespace: id.slice(0, slash), key: id.slice(slash + 1), state: 'foreign' as const, ...(pair.data ? { stored: pair.data.value, revision: pair.data.modRevision } : {}) };
    if (meta === undefined) items.push({ ...base, detail: pair.data === undefined ? 'a meta record without a value, not Cairn\'s' : 'no ConfigEntry declares this value, and Cairn did not write it (no meta record)' });
    else items.push({ ...base, detail: liveUids.has(meta.uid) ? `owned by ${describeMeta(meta)}, which now names another key` : `owned by ${describeMeta(meta)}, which no longer exists` });
  }
  return items.sort((a, b) => (`${a.namespace}/${a.key}` < `${b.namespace}/${b.key}` ? -1 : 1));
}

/** A value as pretty JSON for the diff (sorted keys, as stored); bytes that are not JSON as they are. */
export function prettyJson(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(canonicalJson(JSON.parse(text))), null, 2);
  } catch {
    return text;
  }
}
