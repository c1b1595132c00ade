/**
 * What a reader concludes from the data and meta keys of one entry, read at one revision. Pure: the
 * client reads, these decide.
 *
 * Guarantees:
 * - A value is served only when its bytes hash to the meta's dataHash (so they are what Cairn
 *   committed) and it conforms to the schema its meta names; with an expected schema, only when the
 *   meta names exactly that schema id and the value passes its guard.
 * - Every other outcome is one ReadError naming the entry and what is wrong; nothing throws.
 * Assumptions: `data` and `meta` were read at the same revision (the operator writes both in one
 * transaction, so they always agree unless someone wrote behind Cairn's back).
 */
import { sha256 } from '../domain/canonical.ts';
import { parseStoredMeta } from '../domain/stored-meta.ts';
import type { StoredMeta } from '../domain/types.ts';
import { IntegrityError, NotFoundError, type ReadError, SchemaMismatchError } from './errors.ts';
import type { Entry, ValueSchema } from './types.ts';

export interface StoredKey {
  readonly value: string;
  readonly modRevision: string;
}

export interface RawEntry {
  readonly namespace: string;
  readonly key: string;
  readonly data: StoredKey | undefined;
  readonly meta: StoredKey | undefined;
}

export interface Committed {
  readonly raw: RawEntry;
  readonly meta: StoredMeta;
  readonly value: unknown;
  readonly revision: string;
}

/** A schema's verdict on a value: undefined when it conforms, else the problem; 'unknown' when the reader does not know the schema. */
export type SchemaVerdict = string | undefined | 'unknown';

/** The committed value and its meta when the bytes are what Cairn committed, else the error. */
export function checkIntegrity(raw: RawEntry): Committed | ReadError {
  const entry = `${raw.namespace}/${raw.key}`;
  if (raw.meta === undefined) {
    return new NotFoundError(raw.data === undefined ? `${entry}: no value` : `${entry}: a value without a Cairn meta record (not written by Cairn)`, { entry });
  }
  const meta = parseStoredMeta(raw.meta.value);
  if (meta === undefined) return new IntegrityError(`${entry}: the meta record is not Cairn's (unreadable)`, { entry });
  if (raw.data === undefined) return new IntegrityError(`${entry}: the value committed by generation ${meta.generation} was deleted outside Cairn`, { entry });
  const hash = sha256(raw.data.value);
  if (hash !== meta.dataHash) {
    return new IntegrityError(`${entry}: the value was changed outside Cairn (${hash}; committed ${meta.dataHash})`, { entry });
  }
  try {
    return { raw, meta, value: JSON.parse(raw.data.value) as unknown, revision: raw.data.modRevision };
  } catch (error) {
    return new IntegrityError(`${entry}: the committed value is not JSON`, { entry, cause: error });
  }
}

/** The schema id a committed value was validated against. */
export function schemaOf(committed: Committed): string {
  return committed.meta.schema;
}

/** The entry, when the value conforms to its recorded schema (`verdict`) and to `expected`; else the error. */
export function checkSchema<T>(committed: Committed, verdict: SchemaVerdict, expected?: ValueSchema<T>): Entry<T> | ReadError {
  const entry = `${committed.raw.namespace}/${committed.raw.key}`;
  const recorded = committed.meta.schema;
  if (expected !== undefined && expected.id !== recorded) {
    return new SchemaMismatchError(`${entry}: holds a value of ${recorded}, not ${expected.id}`, { entry });
  }
  if (verdict === 'unknown') return new SchemaMismatchError(`${entry}: its schema ${recorded} is neither embedded nor published`, { entry });
  if (verdict !== undefined) return new SchemaMismatchError(`${entry}: does not conform to ${recorded}: ${verdict}`, { entry });
  if (expected !== undefined && !expected.is(committed.value)) {
    return new SchemaMismatchError(`${entry}: does not pass the guard of ${expected.id}`, { entry });
  }
  return {
    namespace: committed.raw.namespace,
    key: committed.raw.key,
    value: committed.value as T,
    revision: committed.revision,
    generation: committed.meta.generation,
    schema: recorded,
    dataHash: committed.meta.dataHash,
  };
}
