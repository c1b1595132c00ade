/**
 * The reader's check of a value against a declared schema (an `openAPIV3Schema` in the structural
 * dialect of CRDs): its *shape*, exactly what the generated TypeScript type claims (generate-types.ts)
 * and nothing more: types, `nullable`, `enum`, `required`, declared properties (no others unless
 * `x-kubernetes-preserve-unknown-fields`), maps (`additionalProperties`), lists (`items`),
 * `x-kubernetes-int-or-string`.
 *
 * Not checked, on purpose: formats, patterns, bounds, list-type uniqueness and CEL rules. The operator
 * validated and defaulted the value with the apiserver's own validation (the WebAssembly engine) before
 * committing it, and the sha256 against the meta's dataHash proves the bytes are those. What a reader
 * needs on top is that the value has the type its code assumes (a reader typed for v1 must not get a
 * v2 value), which this answers in microseconds and without the 71 MB engine (docs/design-notes.md).
 *
 * Guarantees: pure, never throws on any schema or value (a schema node it does not understand accepts);
 * at most MAX_PROBLEMS problems are reported.
 */
import { canonicalJson } from '../domain/canonical.ts';

export type JsonSchema = Record<string, unknown>;

/** One way the value differs from the schema; `path` is `.a.b[2]` style, `` for the value itself. */
export interface ShapeProblem {
  readonly path: string;
  readonly message: string;
}

const MAX_PROBLEMS = 10;

/** The problems of `value` against `schema`; empty when it conforms. */
export function shapeProblems(schema: JsonSchema, value: unknown): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  check(schema, value, '', problems);
  return problems.slice(0, MAX_PROBLEMS);
}

/** True when `value` conforms to `schema`. */
export function conforms(schema: JsonSchema, value: unknown): boolean {
  return shapeProblems(schema, value).length === 0;
}

/** A problem as one line: `.pool.max: must be an integer, got "ten"`. */
export function describeProblem(problem: ShapeProblem): string {
  return `${problem.path === '' ? '(value)' : problem.path}: ${problem.message}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeMatches(type: unknown, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return true; // no type (or one we do not know): the schema does not constrain it here
  }
}

function check(schema: JsonSchema, value: unknown, path: string, problems: ShapeProblem[]): void {
  if (problems.length >= MAX_PROBLEMS) return;
  const report = (message: string): void => void problems.push({ path, message });
  if (value === null) {
    if (schema.nullable !== true) report('must not be null');
    return;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (!Number.isInteger(value) && typeof value !== 'string') report(`must be an integer or a string, got ${kindOf(value)}`);
    return;
  }
  if (!typeMatches(schema.type, value)) return report(`must be ${article(String(schema.type))}, got ${kindOf(value)} ${show(value)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => sameJson(allowed, value))) {
    return report(`must be one of ${schema.enum.map(show).join(', ')}, got ${show(value)}`);
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    value.forEach((item, i) => check(schema.items as JsonSchema, item, `${path}[${i}]`, problems));
  } else if (isObject(value) && (schema.type === 'object' || isObject(schema.properties))) {
    checkObject(schema, value, path, problems);
  }
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, path: string, problems: ShapeProblem[]): void {
  const properties = isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
  const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
  for (const name of required) {
    if (typeof name === 'string' && !(name in value)) problems.push({ path: `${path}.${name}`, message: 'is required' });
  }
  const additional = isObject(schema.additionalProperties) ? (schema.additionalProperties as JsonSchema) : undefined;
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [name, item] of Object.entries(value)) {
    if (problems.length >= MAX_PROBLEMS) return;
    const declared = Object.hasOwn(properties, name) ? properties[name] : additional;
    if (declared !== undefined && isObject(declared)) check(declared, item, `${path}.${name}`, problems);
    else if (declared === undefined && !open) problems.push({ path: `${path}.${name}`, message: 'is not a field of the schema' });
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
