/**
 * Reads one `openAPIV3Schema` (the structural-schema dialect of CRDs) into a typed tree, refusing
 * every keyword the admission generator cannot translate with the apiserver's exact verdict.
 *
 * Guarantees: a returned tree holds only the keywords listed in KNOWN (everything else, e.g. the JSON
 * Schema 2020-12 forms `const`, `oneOf`, `propertyNames`, numeric `exclusiveMinimum`, is a Problem
 * naming its path); depth and size are bounded (MAX_DEPTH, MAX_NODES).
 * Assumptions: the schema is structural and its defaults are valid against it, as the apiserver
 * checks for a CRD (the ConfigSchema controller checks that before asking for a policy).
 * Errors: none thrown; problems are returned.
 */

import { formatRule } from './formats.ts';

export interface Problem {
  /** Where in the schema, e.g. `openAPIV3Schema.properties.pool.x-kubernetes-validations[0].rule`. */
  readonly path: string;
  readonly message: string;
}

export type ScalarType = 'string' | 'integer' | 'number' | 'boolean';
export type NodeType = 'object' | 'array' | ScalarType;

export interface Rule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  /** A relative JSONPath-like suffix (`.min`) the apiserver appends to the node's field path. */
  readonly fieldPath?: string;
  /** Schema path of the rule, for problems. */
  readonly path: string;
}

export interface SchemaNode {
  readonly path: string;
  readonly type?: NodeType;
  readonly intOrString: boolean;
  readonly preserveUnknown: boolean;
  readonly nullable: boolean;
  /** Present when the schema has a `default` (which may itself be `null`... refused, see below). */
  readonly default?: unknown;
  readonly properties: ReadonlyMap<string, SchemaNode>;
  readonly additionalProperties?: SchemaNode;
  readonly items?: SchemaNode;
  readonly required: readonly string[];
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum: boolean;
  readonly exclusiveMaximum: boolean;
  readonly multipleOf?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  /** A string format admission checks (formats.ts), as the schema names it (`date-time`). */
  readonly format?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys: readonly string[];
  readonly rules: readonly Rule[];
  /** Value-validation branches (structural schemas allow nothing else in them), on this node's type. */
  readonly anyOf?: readonly SchemaNode[];
  readonly allOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
  readonly not?: SchemaNode;
}

export const MAX_DEPTH = 32;
export const MAX_NODES = 2000;

/** Keywords without effect on the verdict. */
const IGNORED = new Set(['description', 'title', 'example', 'externalDocs', 'x-kubernetes-map-type']);
const KNOWN = new Set([
  ...IGNORED, 'type', 'format', 'nullable', 'default', 'properties', 'additionalProperties', 'items', 'required', 'enum',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
  'x-kubernetes-validations', 'anyOf', 'allOf', 'oneOf', 'not',
]);
/** What a branch of anyOf/allOf/oneOf/not may say (value validations). */
const BRANCH_KEYS = new Set(['description', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'enum', 'minItems', 'maxItems', 'anyOf', 'allOf', 'oneOf', 'not']);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

type Json = Record<string, unknown>;

export function readSchema(schema: unknown, rootPath = 'openAPIV3Schema'): { ok: true; node: SchemaNode } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const budget = { nodes: 0 };
  const node = readNode(schema, rootPath, 0, problems, budget);
  if (node !== undefined && node.type !== 'object') problems.push({ path: rootPath, message: 'must be of type object (spec.data is an object)' });
  return problems.length === 0 && node !== undefined ? { ok: true, node } : { ok: false, problems };
}

function readNode(raw: unknown, path: string, depth: number, problems: Problem[], budget: { nodes: number }): SchemaNode | undefined {
  const refuse = (where: string, message: string): undefined => void problems.push({ path: where, message });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return refuse(path, 'must be a schema object');
  if (depth > MAX_DEPTH) return refuse(path, `nesting deeper than ${MAX_DEPTH} levels`);
  if (++budget.nodes > MAX_NODES) return refuse(path, `more than ${MAX_NODES} schema nodes`);
  const s = raw as Json;
  for (const key of Object.keys(s)) if (!KNOWN.has(key)) refuse(`${path}.${key}`, `keyword ${key} is not supported by admission policies`);

  const type = s.type;
  if (type !== undefined && (typeof type !== 'string' || !TYPES.has(type))) refuse(`${path}.type`, `unsupported type ${JSON.stringify(type)}`);
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserveUnknown = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (type === undefined && !intOrString && !preserveUnknown) refuse(path, 'needs a type (structural schema)');
  const branches = (key: 'anyOf' | 'allOf' | 'oneOf'): SchemaNode[] | undefined => {
    const raw = s[key];
    if (raw === undefined || (key === 'anyOf' && intOrString && isIntOrStringAnyOf(raw))) return undefined;
    if (!Array.isArray(raw)) return void refuse(`${path}.${key}`, 'must be a list');
    return raw.map((b, i) => readBranch(b, `${path}.${key}[${i}]`, s, depth, problems, budget)).filter((b) => b !== undefined);
  };
  const junctions = { anyOf: branches('anyOf'), allOf: branches('allOf'), oneOf: branches('oneOf'), not: s.not === undefined ? undefined : readBranch(s.not, `${path}.not`, s, depth, problems, budget) };
  const format = s.format === undefined ? undefined : formatRule(s.format, type as string | undefined);
  if (format?.kind === 'refused') refuse(`${path}.format`, format.message);
  if (s.uniqueItems === true) refuse(`${path}.uniqueItems`, 'uniqueItems is not allowed in structural schemas; use x-kubernetes-list-type: set');
  if (typeof s.exclusiveMinimum === 'number' || typeof s.exclusiveMaximum === 'number') {
    refuse(path, 'exclusiveMinimum/exclusiveMaximum must be booleans (OpenAPI v3.0), not numbers (JSON Schema 2020-12)');
  }
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'object') refuse(`${path}.additionalProperties`, 'must be a schema, not a boolean');
  if (s.default === null) refuse(`${path}.default`, 'a null default is not supported');
  if (s.multipleOf !== undefined && !(Number.isInteger(s.multipleOf) && type === 'integer')) refuse(`${path}.multipleOf`, 'multipleOf is supported only as an integer on type integer');
  const enumValues = s.enum;
  if (enumValues !== undefined && !(Array.isArray(enumValues) && enumValues.every((v) => typeof v === 'string' || typeof v === 'boolean' || Number.isInteger(v)) && type !== 'number')) {
    refuse(`${path}.enum`, 'enum is supported for strings, integers and booleans');
  }

  const properties = new Map<string, SchemaNode>();
  const rawProperties = (s.properties ?? {}) as Json;
  for (const [name, child] of Object.entries(rawProperties)) {
    const node = readNode(child, `${path}.properties.${name}`, depth + 1, problems, budget);
    if (node !== undefined) properties.set(name, node);
  }
  const additionalProperties = typeof s.additionalProperties === 'object' && s.additionalProperties !== null ? readNode(s.additionalProperties, `${path}.additionalProperties`, depth + 1, problems, budget) : undefined;
  if (additionalProperties !== undefined && properties.size > 0) refuse(path, 'properties and additionalProperties are mutually exclusive');
  const items = s.items !== undefined ? readNode(s.items, `${path}.items`, depth + 1, problems, budget) : undefined;
  if (type === 'array' && s.items === undefined) refuse(path, 'an array needs items (structural schema)');

  const listType = s['x-kubernetes-list-type'] as SchemaNode['listType'];
  const listMapKeys = (s['x-kubernetes-list-map-keys'] ?? []) as string[];
  if (listType === 'set' && items?.type !== undefined && !isScalar(items.type)) refuse(`${path}.x-kubernetes-list-type`, 'a set of non-scalar items is not supported');
  if (listType === 'map' && (items?.type !== 'object' || listMapKeys.length === 0)) refuse(`${path}.x-kubernetes-list-map-keys`, 'a map list needs object items and list-map-keys');

  const rules = readRules(s['x-kubernetes-validations'], path, problems);
  return {
    path, type: type as NodeType | undefined, intOrString, preserveUnknown, nullable: s.nullable === true,
    ...(s.default !== undefined ? { default: s.default } : {}),
    properties, additionalProperties, items,
    required: (s.required ?? []) as string[],
    enum: enumValues as unknown[] | undefined,
    minimum: s.minimum as number | undefined, maximum: s.maximum as number | undefined,
    exclusiveMinimum: s.exclusiveMinimum === true, exclusiveMaximum: s.exclusiveMaximum === true,
    multipleOf: s.multipleOf as number | undefined,
    minLength: s.minLength as number | undefined, maxLength: s.maxLength as number | undefined, pattern: s.pattern as string | undefined,
    ...(format?.kind === 'checked' ? { format: s.format as string } : {}),
    minItems: s.minItems as number | undefined, maxItems: s.maxItems as number | undefined,
    minProperties: s.minProperties as number | undefined, maxProperties: s.maxProperties as number | undefined,
    listType, listMapKeys, rules,
    ...Object.fromEntries(Object.entries(junctions).filter(([, v]) => v !== undefined)),
  };
}

/** A branch of anyOf/allOf/oneOf/not: value validations only, read as a node of the parent's type. */
function readBranch(raw: unknown, path: string, parent: Json, depth: number, problems: Problem[], budget: { nodes: number }): SchemaNode | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return void problems.push({ path, message: 'must be a schema object' });
  const extra = Object.keys(raw).filter((k) => !BRANCH_KEYS.has(k));
  if (extra.length > 0) return void problems.push({ path, message: `only value validations are supported in a branch, not ${extra.join(', ')}` });
  const inherited = Object.fromEntries(['type', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields'].filter((k) => parent[k] !== undefined).map((k) => [k, parent[k]]));
  return readNode({ ...raw, ...inherited }, path, depth + 1, problems, budget);
}

function readRules(raw: unknown, path: string, problems: Problem[]): Rule[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push({ path: `${path}.x-kubernetes-validations`, message: 'must be a list' });
    return [];
  }
  const rules: Rule[] = [];
  raw.forEach((r: Json, i) => {
    const where = `${path}.x-kubernetes-validations[${i}]`;
    if (typeof r?.rule !== 'string') return void problems.push({ path: `${where}.rule`, message: 'must be a string' });
    if (r.optionalOldSelf !== undefined || /\boldSelf\b/.test(r.rule)) {
      return void problems.push({ path: `${where}.rule`, message: 'transition rules (oldSelf) are not supported: an entry is validated on its own' });
    }
    if (typeof r.messageExpression === 'string' && /\boldSelf\b/.test(r.messageExpression)) {
      return void problems.push({ path: `${where}.messageExpression`, message: 'oldSelf is not supported' });
    }
    rules.push({
      rule: r.rule, path: `${where}.rule`,
      ...(typeof r.message === 'string' ? { message: r.message } : {}),
      ...(typeof r.messageExpression === 'string' ? { messageExpression: r.messageExpression } : {}),
      ...(typeof r.fieldPath === 'string' ? { fieldPath: r.fieldPath } : {}),
    });
  });
  return rules;
}

function isIntOrStringAnyOf(anyOf: unknown): boolean {
  return Array.isArray(anyOf) && anyOf.length === 2 && (anyOf[0] as Json)?.type === 'integer' && (anyOf[1] as Json)?.type === 'string'
    && Object.keys(anyOf[0] as Json).length === 1 && Object.keys(anyOf[1] as Json).length === 1;
}

export function isScalar(type: NodeType): type is ScalarType {
  return type !== 'object' && type !== 'array';
}
