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
  try {
    return write(value);
  } catch (error) {
    if (error instanceof NotRepresentable) throw new TypeError(`$${error.path.reverse().join('')}: ${error.what}`);
    throw error;
  }
}

/**
 * Thrown from inside the walk without a path; each level on the way out adds its own segment, so a
 * path is built only for the value that fails (building one for every property cost 9 % of a
 * restart's CPU). Segments are pushed innermost first.
 */
class NotRepresentable extends Error {
  readonly path: string[] = [];
  readonly what: string;

  constructor(what: string) {
    super(what);
    this.what = what;
  }
}

function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NotRepresentable(`${value} is not representable in JSON`);
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? writeArray(value) : writeObject(value as Record<string, unknown>);
    default:
      throw new NotRepresentable(`a ${typeof value} is not representable in JSON`);
  }
}

function writeArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += writeAt(items[i], `[${i}]`);
  }
  return `${out}]`;
}

function writeObject(object: Record<string, unknown>): string {
  const keys = Object.keys(object)
    .filter((k) => object[k] !== undefined)
    .sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) out += ',';
    out += `${JSON.stringify(k)}:${writeAt(object[k], `.${k}`)}`;
  }
  return `${out}}`;
}

/** write(value), naming `segment` in the path of a value inside it that JSON cannot represent. */
function writeAt(value: unknown, segment: string): string {
  try {
    return write(value);
  } catch (error) {
    if (error instanceof NotRepresentable) error.path.push(segment);
    throw error;
  }
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
