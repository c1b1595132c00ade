/**
 * etcd key layout and relative-key rules. An entry can never name a key outside its namespace: the
 * relative key is checked here (and by the same KEY_PATTERN in the CRD's CEL rule) before any key is
 * built, and namespaces map to prefixes and nothing else.
 *
 *   P/data/<namespace>/<key>   the data, canonical JSON
 *   P/meta/<namespace>/<key>   the owner and provenance record (StoredMeta)
 *   P/fence                    the leader's fencing record
 *   P/bundles/<namespace>/<name>  a ConfigBundle's record: its last committed members (bundle-record.ts)
 */
import { KEY_PATTERN, MAX_KEY_LENGTH } from '../api/names.ts';

const KEY_REGEXP = new RegExp(KEY_PATTERN);
const KEY_CHARACTER = /^[a-zA-Z0-9._/-]$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

export type KeyCheck = { readonly ok: true; readonly key: string } | { readonly ok: false; readonly problem: string };

/**
 * Checks a relative key. On failure `problem` says what is wrong in plain words, without the field
 * path (the caller knows whether it was spec.key or metadata.name). Accepts exactly what KEY_PATTERN
 * accepts, up to MAX_KEY_LENGTH characters.
 */
export function checkRelativeKey(key: string): KeyCheck {
  const problem = findKeyProblem(key);
  return problem === undefined ? { ok: true, key } : { ok: false, problem };
}

function findKeyProblem(key: string): string | undefined {
  // The common case in one regular expression; the rules below only explain a refusal.
  if (key.length <= MAX_KEY_LENGTH && KEY_REGEXP.test(key)) return undefined;
  if (key.length === 0) return 'must not be empty';
  if (key.length > MAX_KEY_LENGTH) return `is ${key.length} characters long; the limit is ${MAX_KEY_LENGTH}`;
  const control = CONTROL_CHARACTER.exec(key);
  if (control !== null) return `must not contain control characters (found ${codePoint(control[0])} at position ${control.index})`;
  if (key.startsWith('/')) return "must be relative to the namespace: remove the leading '/'";
  if (key.endsWith('/')) return "must not end with '/'";
  const segments = key.split('/');
  if (segments.includes('')) return "must not contain empty segments ('//')";
  if (segments.some((s) => s === '.' || s === '..')) return "must not contain '.' or '..' segments";
  const bad = [...key].findIndex((c) => !KEY_CHARACTER.test(c));
  if (bad >= 0) {
    const c = [...key][bad] as string;
    return `must contain only letters, digits, '.', '_', '-' and '/' (found ${JSON.stringify(c)} at position ${bad})`;
  }
  if (segments.some((s) => /^\.+$/.test(s))) return 'must not contain segments made only of dots';
  // Every rule above is a readable slice of KEY_PATTERN; this keeps the two from ever disagreeing.
  if (!KEY_REGEXP.test(key)) return `must match ${KEY_PATTERN}`;
  return undefined;
}

function codePoint(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Checks a store prefix: absolute, no trailing '/', segments valid like a relative key's. */
export function checkPrefix(prefix: string): KeyCheck {
  if (!prefix.startsWith('/')) return { ok: false, problem: "must start with '/'" };
  const rest = checkRelativeKey(prefix.slice(1));
  return rest.ok ? { ok: true, key: prefix } : rest;
}

/** The etcd keys of one entry. */
export interface EntryKeys {
  /** The relative key (spec.key or metadata.name). */
  readonly relative: string;
  /** `P/data/<namespace>/<key>`: also what status.key reports. */
  readonly data: string;
  /** `P/meta/<namespace>/<key>`. */
  readonly meta: string;
}

/** Builds the entry's keys. Assumes `relative` passed checkRelativeKey and `namespace` is a DNS label. */
export function entryKeys(prefix: string, namespace: string, relative: string): EntryKeys {
  return {
    relative,
    data: `${prefix}/data/${namespace}/${relative}`,
    meta: `${prefix}/meta/${namespace}/${relative}`,
  };
}

/** `P/schemas/<name>/`: where every published version of one ConfigSchema lives. */
export function schemaKeyPrefix(prefix: string, name: string): string {
  return `${prefix}/schemas/${name}/`;
}

/** `P/schemas/<name>/<version>`: one published version (canonical JSON, see domain/plan-schema.ts). */
export function schemaKey(prefix: string, name: string, version: string): string {
  return `${schemaKeyPrefix(prefix, name)}${version}`;
}

/** `P/fence`. */
export function fenceKey(prefix: string): string {
  return `${prefix}/fence`;
}

/** Range start of every data key (`P/data/`) and every meta key (`P/meta/`), for reads and watches. */
export function dataPrefix(prefix: string): string {
  return `${prefix}/data/`;
}
export function metaPrefix(prefix: string): string {
  return `${prefix}/meta/`;
}

export interface StoreKey {
  readonly kind: 'data' | 'meta';
  readonly namespace: string;
  readonly key: string;
}

/**
 * Reads an absolute data or meta key back as {kind, namespace, key}; undefined for anything else
 * under the prefix (the fence, foreign keys, malformed keys), which the drift watch then ignores.
 */
export function parseStoreKey(prefix: string, absolute: string): StoreKey | undefined {
  for (const kind of ['data', 'meta'] as const) {
    const start = `${prefix}/${kind}/`;
    if (!absolute.startsWith(start)) continue;
    const rest = absolute.slice(start.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    const key = rest.slice(slash + 1);
    if (!checkRelativeKey(key).ok) return undefined;
    return { kind, namespace: rest.slice(0, slash), key };
  }
  return undefined;
}
