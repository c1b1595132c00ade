/**
 * zod's JSON Schema (draft 2020-12) -> a Kubernetes *structural* OpenAPI v3 schema.
 *
 * Kubernetes accepts a subset: every node has a `type` (or `x-kubernetes-preserve-unknown-fields`),
 * no `$schema`/`$ref`/`$defs`, no `propertyNames`, no `additionalProperties: false`, no `anyOf`/`oneOf`
 * wrapping types, and `additionalProperties` never beside `properties`. This pass rewrites what zod
 * emits into that subset and throws on anything it cannot translate faithfully, so an API change that
 * the CRD could not express fails `npm run crdgen` instead of producing a CRD the apiserver rejects.
 */

export type SchemaNode = Record<string, unknown>;

/** Keywords copied as they are (after their values are converted where they hold schemas). */
const KEPT = new Set([
  'type',
  'description',
  'default',
  'enum',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
]);
/** Keywords dropped: meaningless or forbidden in a CRD, and never changing what is accepted here. */
const DROPPED = new Set(['$schema', '$id', 'title', 'examples', 'propertyNames']);
/** Keywords that structural schemas cannot carry the way zod emits them. */
const REJECTED = new Set(['$ref', '$defs', 'anyOf', 'oneOf', 'allOf', 'not', 'const', 'if', 'then', 'else', 'prefixItems']);

/** JavaScript's safe-integer bounds, which zod puts on every z.int(); int64 fields need no such bound. */
const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/** Converts one JSON Schema node (recursively). `path` names the node in error messages. */
export function toStructural(node: SchemaNode, path = '$'): SchemaNode {
  const out: SchemaNode = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (DROPPED.has(keyword)) continue;
    if (REJECTED.has(keyword)) throw new Error(`${path}: '${keyword}' cannot be expressed in a structural schema`);
    if (keyword === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, SchemaNode>).map(([name, child]) => [name, toStructural(child, `${path}.${name}`)]),
      );
    } else if (keyword === 'items') {
      out.items = toStructural(value as SchemaNode, `${path}[]`);
    } else if (keyword === 'type') {
      Object.assign(out, convertType(value, path));
    } else if (keyword === 'additionalProperties') {
      convertAdditionalProperties(node, value, out, path);
    } else if ((keyword === 'minimum' || keyword === 'maximum') && SAFE_INTEGER_BOUNDS.has(value as number)) {
      continue;
    } else if (KEPT.has(keyword)) {
      out[keyword] = value;
    } else {
      throw new Error(`${path}: unexpected keyword '${keyword}'`);
    }
  }
  if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`${path}: every node of a structural schema needs a type`);
  }
  return inReadingOrder(out);
}

/** `type` and `description` first, then the rest as emitted: stable output that reads well in YAML. */
function inReadingOrder(node: SchemaNode): SchemaNode {
  const { type, description, ...rest } = node;
  return { ...(type === undefined ? {} : { type }), ...(description === undefined ? {} : { description }), ...rest };
}

/** zod writes `.nullable()` as `type: [T, "null"]`; a CRD says `type: T, nullable: true`. */
function convertType(value: unknown, path: string): SchemaNode {
  if (typeof value === 'string') return { type: value };
  const types = (value as unknown[]).filter((t) => t !== 'null');
  if (Array.isArray(value) && types.length === 1) return { type: types[0], ...(value.includes('null') ? { nullable: true } : {}) };
  throw new Error(`${path}: a union of types (${JSON.stringify(value)}) cannot be expressed in a structural schema`);
}

/**
 * `additionalProperties: false` is the default for a structural schema (unknown fields are pruned),
 * so it is dropped; `{}` beside preserve-unknown-fields is redundant; a schema for map values is kept
 * only when there are no `properties`.
 */
function convertAdditionalProperties(node: SchemaNode, value: unknown, out: SchemaNode, path: string): void {
  if (value === false) return;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const isEmpty = typeof value === 'object' && value !== null && Object.keys(value).length === 0;
  if (preserve && (value === true || isEmpty)) return;
  if (node.properties !== undefined) throw new Error(`${path}: additionalProperties beside properties is not structural`);
  if (value === true || isEmpty) throw new Error(`${path}: a map needs a value schema or x-kubernetes-preserve-unknown-fields`);
  out.additionalProperties = toStructural(value as SchemaNode, `${path}{}`);
}

/** Every problem that makes `schema` non-structural, for tests: [] means structural. */
export function structuralProblems(schema: SchemaNode, path = '$'): string[] {
  const problems: string[] = [];
  for (const keyword of Object.keys(schema)) {
    if (REJECTED.has(keyword) || DROPPED.has(keyword)) problems.push(`${path}: forbidden keyword '${keyword}'`);
  }
  if (schema.type === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    problems.push(`${path}: no type`);
  }
  if (schema.additionalProperties === false) problems.push(`${path}: additionalProperties: false`);
  if (schema.additionalProperties !== undefined && schema.properties !== undefined) {
    problems.push(`${path}: additionalProperties beside properties`);
  }
  const properties = (schema.properties ?? {}) as Record<string, SchemaNode>;
  for (const [name, child] of Object.entries(properties)) problems.push(...structuralProblems(child, `${path}.${name}`));
  if (typeof schema.items === 'object' && schema.items !== null) problems.push(...structuralProblems(schema.items as SchemaNode, `${path}[]`));
  if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) {
    problems.push(...structuralProblems(schema.additionalProperties as SchemaNode, `${path}{}`));
  }
  return problems;
}
