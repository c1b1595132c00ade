/**
 * The one schema engine: every value Cairn stores, of an embedded or a declared schema, is checked
 * here, by the apiserver's own custom-resource validation (tools/go/validator, WebAssembly).
 *
 * A schema is an entry's `spec.data` schema in the structural-schema dialect of CRDs. It is compiled
 * as the schema of `spec.data` in a CRD (entrySchemaOf): so verdicts, defaults and messages are what
 * the apiserver gives for such a CRD, and messages name fields as a person sees them in the entry
 * (`spec.data.port: Invalid value: "string": spec.data.port in body must be of type integer: "string"`).
 *
 * Guarantees: compile and validate are synchronous and never throw on any schema or value (the
 * engine's own failure throws ValidatorFailedError); a compiled schema validates any number of values
 * until released.
 */
import type { ValidatorModule } from './wasm-validator.ts';
import { schemaLimitProblem } from './limits.ts';

export type JsonSchema = Record<string, unknown>;

/** One reason a schema was refused; `path` is rooted at `openAPIV3Schema`. */
export interface SchemaProblem {
  readonly path: string;
  /** The apiserver's message, rooted the same way, e.g. `openAPIV3Schema.properties[port].type: Required value: ...`. */
  readonly message: string;
}

/** One reason a value was refused, as the apiserver reports it (its field, its cause type, its message). */
export interface ValueIssue {
  /** `spec.data.port`; the apiserver's own path. */
  readonly path: string;
  /** The apiserver's cause type, e.g. FieldValueInvalid, FieldValueRequired. */
  readonly type: string;
  /** The whole message: `spec.data.port: Invalid value: ...`. */
  readonly message: string;
}

export type Validated =
  | { readonly ok: true; readonly value: unknown; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly issues: readonly ValueIssue[] };

/**
 * How unknown fields are treated, as the apiserver's `fieldValidation`: `Warn` (its default) prunes
 * them and reports each as a warning; `Strict` (kubectl's default) refuses the value with the
 * apiserver's strict decoding error alone, before any other validation, as the apiserver does.
 */
export type UnknownFields = 'Warn' | 'Strict';

/** How the engine words a pruned field, as the apiserver does (`unknown field "spec.data.prot"`, Go's %q quoting). */
const UNKNOWN_FIELD_WARNING = /^unknown field (".*")$/;

/**
 * The path a warning of `validate` names (`spec.data.prot`), or undefined for any other text. Every
 * warning the engine gives today is one pruned field (tools/go/validator/engine.go), in the sorted
 * order of the apiserver's pruning; this is the one reader of that wording.
 */
export function unknownFieldPathOf(warning: string): string | undefined {
  const quoted = UNKNOWN_FIELD_WARNING.exec(warning)?.[1];
  if (quoted === undefined) return undefined;
  try {
    // Go's %q is JSON's quoting for every printable path; a path it escapes otherwise stays as quoted.
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

export interface CompiledSchema {
  validate(data: unknown, unknownFields?: UnknownFields): Validated;
  /** Frees the engine's copy; validate must not be called afterwards. */
  release(): void;
}

export type Compiled = { readonly ok: true; readonly schema: CompiledSchema } | { readonly ok: false; readonly problems: readonly SchemaProblem[] };

export interface SchemaEngine {
  compile(openAPIV3Schema: JsonSchema): Compiled;
}

/** Where a value lives in an entry, and so the root of every path in its messages. */
export const DATA_PATH = 'spec.data';

/**
 * The CRD version schema an entry schema is compiled as: `spec.data` carries it and is required.
 * The differential test's oracle serves exactly this schema from a real CRD.
 */
export function entrySchemaOf(dataSchema: JsonSchema): JsonSchema {
  return {
    type: 'object',
    properties: { spec: { type: 'object', required: ['data'], properties: { data: dataSchema } } },
  };
}

interface GoProblem {
  readonly field: string;
  readonly type: string;
  readonly body: string;
  readonly message: string;
}

/** The CRD field path of the data schema (see entrySchemaOf), as the apiserver names it. */
const SCHEMA_ROOT = 'spec.validation.openAPIV3Schema.properties[spec].properties[data]';

/** The same root as a JSON path, as the strict decoder names unknown fields of the schema. */
const SCHEMA_ROOT_JSON = '"properties.spec.properties.data.';

function schemaProblemOf(problem: GoProblem): SchemaProblem {
  // Problems of the whole CRD schema (its total CEL cost, a decoding error) are the data schema's too.
  const path = problem.field.startsWith(SCHEMA_ROOT) ? `openAPIV3Schema${problem.field.slice(SCHEMA_ROOT.length)}` : 'openAPIV3Schema';
  return { path, message: `${path}: ${problem.body.replaceAll(SCHEMA_ROOT_JSON, '"')}` };
}

function valueIssueOf(problem: GoProblem): ValueIssue {
  return { path: problem.field, type: problem.type, message: problem.message };
}

interface GoOutcome {
  readonly ok: boolean;
  readonly value?: { spec?: { data?: unknown } };
  readonly errors?: readonly GoProblem[];
  readonly warnings?: readonly string[];
}

class WasmCompiledSchema implements CompiledSchema {
  private readonly module: ValidatorModule;
  private readonly handle: number;

  constructor(module: ValidatorModule, handle: number) {
    this.module = module;
    this.handle = handle;
  }

  validate(data: unknown, unknownFields: UnknownFields = 'Warn'): Validated {
    let json: string;
    try {
      json = JSON.stringify({ spec: { data } });
    } catch (error) {
      return { ok: false, issues: [{ path: DATA_PATH, type: 'FieldValueInvalid', message: `${DATA_PATH}: ${(error as Error).message}` }] };
    }
    const outcome = this.module.validate(this.handle, json) as GoOutcome;
    const unknown = outcome.warnings ?? [];
    if (unknownFields === 'Strict' && unknown.length > 0) {
      // The engine's warnings are the apiserver's sorted `unknown field "<path>"` texts.
      return { ok: false, issues: [{ path: '', type: 'StrictDecoding', message: `strict decoding error: ${unknown.join(', ')}` }] };
    }
    if (!outcome.ok) return { ok: false, issues: (outcome.errors ?? []).map(valueIssueOf) };
    return { ok: true, value: outcome.value?.spec?.data, warnings: outcome.warnings ?? [] };
  }

  release(): void {
    this.module.release(this.handle);
  }
}

/** The engine over a loaded module (loadSchemaEngine in ./load.ts does both). */
export function createSchemaEngine(module: ValidatorModule): SchemaEngine {
  return {
    compile(openAPIV3Schema: JsonSchema): Compiled {
      const json = JSON.stringify(entrySchemaOf(openAPIV3Schema));
      const tooBig = schemaLimitProblem(json, openAPIV3Schema);
      if (tooBig !== undefined) return { ok: false, problems: [{ path: 'openAPIV3Schema', message: `openAPIV3Schema: ${tooBig}` }] };
      const answer = module.compile(json) as { handle?: number; problems?: GoProblem[]; errors?: GoProblem[] };
      if (answer.handle === undefined) return { ok: false, problems: (answer.problems ?? answer.errors ?? []).map(schemaProblemOf) };
      return { ok: true, schema: new WasmCompiledSchema(module, answer.handle) };
    },
  };
}
