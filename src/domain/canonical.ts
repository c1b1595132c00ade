/**
 * Canonical JSON: object keys sorted by UTF-16 code unit (as RFC 8785 does), no insignificant
 * whitespace, numbers and strings as JSON.stringify writes them. Two values that are equal as JSON
 * have byte-identical canonical forms, so stored values never produce endless diffs, and the hash of
 * the canonical form identifies a value.
 */
import { createHash } from 'node:crypto';

/**
 * The canonical JSON of a JSON value. Object properties whose value is undefined are omitted (as
 * JSON.stringify does). Throws TypeError on what JSON cannot represent: non-finite numbers, bigint,
 * functions, symbols, undefined array items.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not representable in JSON`);
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map((item, i) => write(item, `${path}[${i}]`)).join(',')}]`;
      return writeObject(value as Record<string, unknown>, path);
    default:
      throw new TypeError(`${path}: a ${typeof value} is not representable in JSON`);
  }
}

function writeObject(object: Record<string, unknown>, path: string): string {
  const keys = Object.keys(object)
    .filter((k) => object[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(object[k], `${path}.${k}`)}`).join(',')}}`;
}

/** `sha256:<lowercase hex>` of the UTF-8 bytes of `text`. */
export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** Size of `text` in UTF-8 bytes: what etcd stores and what the size limit counts. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * True when a stored value is the same JSON value as `canonical` (byte-equal, or equal after parsing
 * and re-canonicalising, so a value written with other key order or whitespace still counts).
 */
export function isSameJson(stored: string, canonical: string): boolean {
  if (stored === canonical) return true;
  try {
    return canonicalJson(JSON.parse(stored)) === canonical;
  } catch {
    return false;
  }
}
