/**
 * The value an `x-kubernetes-validations` rule sees, rebuilt in CEL from the raw value admission
 * gets: pruned (undeclared fields dropped, non-nullable nulls dropped) and defaulted as the apiserver
 * does before it runs the rule, and typed as the apiserver types `self` (a `number` is a double).
 *
 * Guarantees: `viewOf(node, x)` is, for every x that passes the node's schema checks, equal to the
 * CEL value the apiserver binds to `self` for that node. Where that cannot be rebuilt exactly it
 * throws Untranslatable naming the node; the caller refuses the rule.
 * Assumptions: property names inside a view are plain CEL identifiers (the apiserver would escape
 * others, e.g. `a-b` as `a__dash__b`); those are refused.
 */
import { dynLiteral, isPlainIdentifier, hasField, numberLiteral, select, stringLiteral } from './cel.ts';
import type { SchemaNode } from './schema-node.ts';

export class Untranslatable extends Error {
  override name = 'Untranslatable';
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/**
 * The properties of `self` a rule (and its messageExpression) can read, when every `self` in their
 * text is followed by a field selection (`self.f`, `self.?f`); otherwise 'all'. Conservative on
 * purpose: a `self` inside a string literal only widens the set.
 */
export function fieldsReadFromSelf(texts: readonly string[]): ReadonlySet<string> | 'all' {
  const fields = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(/\bself\b(\s*\.\s*\??\s*([A-Za-z_][A-Za-z0-9_]*))?/g)) {
      if (match[2] === undefined) return 'all';
      fields.add(match[2]);
    }
  }
  return fields;
}

/**
 * CEL for the typed, defaulted value of a present, non-null x at `node`. `only`: the properties of
 * an object node that the reader can reach (the others are left out of the view, so they need not be
 * rebuildable).
 */
export function viewOf(node: SchemaNode, x: string, depth = 0, only: ReadonlySet<string> | 'all' = 'all'): string {
  if (node.intOrString) return x;
  if (node.type === undefined) {
    if (node.properties.size > 0 || node.additionalProperties !== undefined) throw new Untranslatable(node.path, 'a rule reads a preserve-unknown-fields object with declared fields');
    return x; // preserve-unknown-fields without a schema: the apiserver gives the rule the raw value
  }
  switch (node.type) {
    case 'number':
      return `double(${x})`;
    case 'integer':
    case 'string':
    case 'boolean':
      return x;
    case 'array':
      return arrayView(node, x, depth);
    case 'object':
      return node.additionalProperties !== undefined ? mapView(node.additionalProperties, x, depth) : objectView(node, x, depth, only);
  }
}

// Comprehension variables of views are named apart from those of sites (i1, k1) that x may contain.
function arrayView(node: SchemaNode, x: string, depth: number): string {
  const items = node.items as SchemaNode;
  const v = `vi${depth}`;
  const item = itemView(items, v, depth + 1);
  return item === v ? x : `${x}.map(${v}, ${item})`;
}

/** A list item may be null: kept when nullable, replaced by the default, else left (a type error). */
function itemView(items: SchemaNode, v: string, depth: number): string {
  const view = viewOf(items, v, depth);
  if (items.default !== undefined && !items.nullable) return `(${v} == null ? dyn(${defaultLiteral(items)}) : dyn(${view}))`;
  return view === v ? v : `(${v} == null ? dyn(null) : dyn(${view}))`;
}

/**
 * A map value may be null: kept when nullable, replaced by the default, else pruned (the key goes).
 * Rebuilt with transformMap (two-variable comprehensions, in the apiserver's CEL since 1.33).
 */
function mapView(values: SchemaNode, x: string, depth: number): string {
  const k = `vk${depth}`;
  const v = `vv${depth}`;
  const view = viewOf(values, v, depth + 1);
  if (values.nullable) return view === v ? x : `${x}.transformMap(${k}, ${v}, ${v} == null ? dyn(null) : dyn(${view}))`;
  if (values.default !== undefined) return `${x}.transformMap(${k}, ${v}, ${v} == null ? dyn(${defaultLiteral(values)}) : dyn(${view}))`;
  return `${x}.transformMap(${k}, ${v}, ${v} != null, dyn(${view}))`;
}

function objectView(node: SchemaNode, x: string, depth: number, only: ReadonlySet<string> | 'all'): string {
  if (node.preserveUnknown) throw new Untranslatable(node.path, 'a rule reads a preserve-unknown-fields object with declared fields');
  // A field a valid rule selects but the schema does not declare is an escaped name (`a__dash__b`
  // for `a-b`, `__namespace__`): the view cannot carry it under that name.
  const undeclared = only === 'all' ? [] : [...only].filter((name) => !node.properties.has(name));
  if (undeclared.length > 0) throw new Untranslatable(node.path, `a rule selects ${undeclared.join(', ')}, not a declared property (an escaped name?)`);
  const entries: string[] = [];
  for (const [name, property] of node.properties) {
    if (only !== 'all' && !only.has(name)) continue;
    if (!isPlainIdentifier(name)) throw new Untranslatable(property.path, `a rule reads an object with property ${JSON.stringify(name)}, which CEL escapes`);
    const value = select(x, name);
    const kept = property.nullable ? hasField(x, name) : `${hasField(x, name)} && ${value} != null`;
    const view = property.nullable ? `(${value} == null ? dyn(null) : dyn(${viewOf(property, value, depth + 1)}))` : viewOf(property, value, depth + 1);
    const otherwise = property.default !== undefined ? `optional.of(dyn(${defaultLiteral(property)}))` : 'optional.none()';
    entries.push(`?${stringLiteral(name)}: (${kept} ? optional.of(dyn(${view})) : ${otherwise})`);
  }
  return `{${entries.join(', ')}}`;
}

/** The node's default, itself defaulted and typed, as a CEL literal. */
export function defaultLiteral(node: SchemaNode): string {
  return typedLiteral(node, applyDefaults(node, node.default));
}

/** The apiserver's defaulting of a JSON value (pruning of undeclared fields and non-nullable nulls included). */
export function applyDefaults(node: SchemaNode | undefined, value: unknown): unknown {
  if (node === undefined || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    return value.map((v) => (v === null && node.items !== undefined && !node.items.nullable && node.items.default !== undefined ? applyDefaults(node.items, node.items.default) : applyDefaults(node.items, v)));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const schema = node.properties.get(k) ?? node.additionalProperties;
    if (schema === undefined && !node.preserveUnknown) continue;
    if (v === null && schema !== undefined && !schema.nullable) {
      if (schema.default !== undefined) out[k] = applyDefaults(schema, schema.default);
      continue;
    }
    out[k] = applyDefaults(schema, v);
  }
  for (const [k, p] of node.properties) if (!(k in out) && p.default !== undefined) out[k] = applyDefaults(p, p.default);
  return out;
}

function typedLiteral(node: SchemaNode | undefined, value: unknown): string {
  if (value === null || node === undefined || node.intOrString || node.type === undefined) return dynLiteral(value);
  if (node.type === 'number' && typeof value === 'number') return numberLiteral(value, true);
  if (Array.isArray(value)) return `[${value.map((v) => `dyn(${typedLiteral(node.items, v)})`).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${stringLiteral(k)}: dyn(${typedLiteral(node.properties.get(k) ?? node.additionalProperties, v)})`);
    return `{${entries.join(', ')}}`;
  }
  return dynLiteral(value);
}
