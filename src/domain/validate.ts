/**
 * Validation of an entry's schema id and data: the only path by which a value becomes storable.
 * Pure: the embedded registry and the engine's compiled schemas are handed in, the size limit too.
 *
 *   id                                           judged by
 *   the engine knows it (embedded or declared)   the engine (schemas/engine): one path for all data
 *   embedded, no engine loaded                   its zod schema (an operator started without the engine)
 *   embedded, not structural (feature-flags@v1)  its zod schema: the engine cannot judge it exactly
 *   declared but not Ready / unknown             SchemaNotReady / UnknownSchema
 */
import { DATA_TOO_LARGE, INVALID_DATA, SCHEMA_NOT_READY, UNKNOWN_SCHEMA } from '../api/conditions.ts';
import { type CompiledSchema, unknownFieldPathOf } from '../schemas/engine/engine.ts';
import { SCHEMA_ID_PATTERN } from '../api/names.ts';
import { lookupSchema, schemaIds } from '../schemas/index.ts';
import { byteLength, canonicalJson, sha256 } from './canonical.ts';
import { formatIssues, joinIssues } from './issues.ts';

const SCHEMA_ID = new RegExp(SCHEMA_ID_PATTERN);

/** What the schema engine knows of a schema id: an embedded version or a declared ConfigSchema version. */
export type SchemaLookup =
  | { readonly kind: 'ready'; readonly schema: CompiledSchema }
  | { readonly kind: 'notReady'; readonly message: string }
  /** `why`: what the message says instead of "or declared by a ConfigSchema" (e.g. no engine to know any). */
  | { readonly kind: 'unknown'; readonly why?: string };

export interface ValidationOptions {
  /** Largest canonical JSON accepted, in UTF-8 bytes (DEFAULT_MAX_DATA_BYTES unless configured). */
  readonly maxBytes: number;
  /**
   * The schema engine's compiled schemas, embedded and declared (the schema registry). Without the
   * engine (absent, or answering `unknown` with why) zod judges embedded ids and no declared id exists.
   */
  readonly engineSchemas?: ((id: string) => SchemaLookup) | undefined;
}

/** A storable value: validated, defaults applied, canonicalised and hashed. */
export interface ValidData {
  readonly ok: true;
  readonly schema: string;
  /** The schema's output: defaults applied. */
  readonly value: unknown;
  /** canonicalJson(value): exactly the bytes stored at the data key. */
  readonly canonical: string;
  /** sha256(canonical), `sha256:<hex>`. */
  readonly dataHash: string;
  readonly bytes: number;
  /**
   * Every field the schema does not declare, pruned from `value` and so not stored, sorted
   * (`spec.data.prot`): the engine's warnings. Empty when zod judges (its objects are strict: an
   * unknown field is refused, not pruned).
   */
  readonly pruned: readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);

export type ValidationFailureReason = typeof UNKNOWN_SCHEMA | typeof SCHEMA_NOT_READY | typeof INVALID_DATA | typeof DATA_TOO_LARGE;

export interface InvalidData {
  readonly ok: false;
  readonly reason: ValidationFailureReason;
  /** One line for a condition message: every issue, path first, `; `-separated (bounded). */
  readonly message: string;
  /** Each issue on its own, e.g. `data.port: expected number, got string "5432"`. */
  readonly issues: readonly string[];
}

export type Validation = ValidData | InvalidData;

function failure(reason: ValidationFailureReason, issues: readonly string[]): InvalidData {
  return { ok: false, reason, message: joinIssues(issues), issues };
}

/**
 * Validates `data` against the schema registered as `schemaId`.
 *
 * Guarantees: `ok` results hold exactly what will be stored; failures carry a reason
 * (UnknownSchema | InvalidData | DataTooLarge) and messages rooted at `spec.schema` or `data`.
 * Never throws on any input.
 */
export function validateData(schemaId: string, data: unknown, options: ValidationOptions): Validation {
  const definition = lookupSchema(schemaId);
  const judged = definition?.notStructural !== undefined ? undefined : options.engineSchemas?.(schemaId);
  let value: unknown;
  let pruned = NONE;
  if (judged?.kind === 'ready') {
    // Warn (the apiserver's default): unknown fields are pruned, never refused (docs/design-notes.md, "Unknown fields").
    const validated = judged.schema.validate(data);
    if (!validated.ok) return failure(INVALID_DATA, validated.issues.map((issue) => issue.message));
    value = validated.value;
    if (validated.warnings.length > 0) pruned = prunedPaths(validated.warnings);
  } else if (definition !== undefined) {
    // No engine (an embedded version is pinned at start whenever the engine runs), or the version zod judges.
    const parsed = definition.schema.safeParse(data, { reportInput: true });
    if (!parsed.success) return failure(INVALID_DATA, formatIssues('data', parsed.error.issues));
    value = parsed.data;
  } else if (judged?.kind === 'notReady') {
    return failure(SCHEMA_NOT_READY, [`spec.schema: ${judged.message}`]);
  } else {
    return failure(UNKNOWN_SCHEMA, [unknownSchemaProblem(schemaId, judged?.why)]);
  }

  let canonical: string;
  try {
    canonical = canonicalJson(value);
  } catch (error) {
    return failure(INVALID_DATA, [`data: ${(error as Error).message}`]);
  }
  const bytes = byteLength(canonical);
  if (bytes > options.maxBytes) {
    return failure(DATA_TOO_LARGE, [
      `data: is ${bytes} bytes as canonical JSON, more than the limit of ${options.maxBytes} bytes (${kib(options.maxBytes)})`,
    ]);
  }
  return { ok: true, schema: schemaId, value, canonical, dataHash: sha256(canonical), bytes, pruned };
}

/** The paths the engine's warnings name, sorted (a warning of another wording would be named whole). */
function prunedPaths(warnings: readonly string[]): readonly string[] {
  return warnings.map((warning) => unknownFieldPathOf(warning) ?? warning).sort();
}

/**
 * What judges `schemaId` now: the engine's compilation of it, or the embedded zod definition when
 * zod judges it (as validateData chooses); undefined when nothing does (not Ready, unknown). The same
 * judge gives the same verdict for the same data, every time: a changed schema is a new compilation
 * (the registry compiles again only on new content), so the judge's identity stands for the schema's
 * generation when a verdict is remembered (controller/verdict-cache.ts).
 */
export function judgeOf(schemaId: string, options: Pick<ValidationOptions, 'engineSchemas'>): object | undefined {
  const definition = lookupSchema(schemaId);
  const judged = definition?.notStructural !== undefined ? undefined : options.engineSchemas?.(schemaId);
  if (judged?.kind === 'ready') return judged.schema;
  return definition;
}

function unknownSchemaProblem(schemaId: string, why: string | undefined): string {
  const known = `known schemas: ${schemaIds().join(', ')}`;
  if (!SCHEMA_ID.test(schemaId)) {
    return `spec.schema: ${JSON.stringify(schemaId)} is not a schema id of the form name@vN; ${known}`;
  }
  return `spec.schema: no schema ${JSON.stringify(schemaId)} is embedded in this operator ${why ?? 'or declared by a ConfigSchema'}; ${known}`;
}

function kib(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
