/**
 * The apiserver's schema checks of one node (type, enum, bounds, lengths, pattern, sizes, required,
 * list-type uniqueness) as CEL over the node's raw value `x`, as admission sees it: dynamic JSON
 * before pruning and defaulting, where JSON integers are `int` and numbers with a fraction `double`.
 *
 * Guarantees: each Check holds for x exactly when the apiserver's corresponding check passes on the
 * pruned, defaulted value (defaulting never makes a valid value invalid; pruning and defaulting are
 * accounted for where they change the outcome: `required`, min/maxProperties). Checks are ordered
 * type first; later checks may assume the type (CEL's && and ?: short-circuit).
 * `suffix` is what follows the node's field path in the message (`: must be ...`, `.min: Required value`).
 */
import { and, dynLiteral, hasField, jsonLiteral, numberLiteral, select, stringLiteral } from './cel.ts';
import { formatHolds } from './formats.ts';
import type { SchemaNode } from './schema-node.ts';

export interface Check {
  readonly holds: string;
  readonly suffix: string;
}

/** `typeKnown`: the value is known to have the node's type (spec.data is an object by its CRD). */
export function nodeChecks(node: SchemaNode, x: string, typeKnown = false): Check[] {
  const checks: Check[] = [];
  const add = (holds: string, suffix: string): void => void checks.push({ holds, suffix });
  const type = typeCheck(node, x);
  if (type !== undefined && !typeKnown) add(type.holds, type.suffix);

  // A bound applies to values of its kind only (int-or-string carries both kinds; a branch of anyOf
  // may carry a bound of another kind than the node's): guard it unless the type check implies it.
  const numeric = (holds: string): string => (node.type === 'integer' || node.type === 'number' ? holds : `(type(${x}) != int && type(${x}) != double) || (${holds})`);
  const textual = (holds: string): string => (node.type === 'string' ? holds : `type(${x}) != string || (${holds})`);
  const sized = (holds: string): string => (node.type === 'array' ? holds : `type(${x}) != list || (${holds})`);

  if (node.enum !== undefined) add(`${x} in ${enumLiteral(node.enum)}`, `: Unsupported value: must be one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  const asNumber = node.type === 'number' ? `double(${x})` : x;
  const bound = (value: number): string => numberLiteral(value, node.type === 'number' || !Number.isInteger(value));
  if (node.minimum !== undefined) {
    const op = node.exclusiveMinimum ? '>' : '>=';
    add(numeric(`${asNumber} ${op} ${bound(node.minimum)}`), `: should be ${node.exclusiveMinimum ? 'greater than' : 'greater than or equal to'} ${node.minimum}`);
  }
  if (node.maximum !== undefined) {
    const op = node.exclusiveMaximum ? '<' : '<=';
    add(numeric(`${asNumber} ${op} ${bound(node.maximum)}`), `: should be ${node.exclusiveMaximum ? 'less than' : 'less than or equal to'} ${node.maximum}`);
  }
  if (node.multipleOf !== undefined) add(numeric(`${x} % ${node.multipleOf} == 0`), `: should be a multiple of ${node.multipleOf}`);
  // size() of a CEL string counts code points, as the apiserver counts runes.
  if (node.minLength !== undefined) add(textual(`size(${x}) >= ${node.minLength}`), `: should be at least ${node.minLength} chars long`);
  if (node.maxLength !== undefined) add(textual(`size(${x}) <= ${node.maxLength}`), `: may not be more than ${node.maxLength} chars long`);
  if (node.pattern !== undefined) add(textual(`${x}.matches(${stringLiteral(node.pattern)})`), `: should match '${node.pattern}'`);
  if (node.format !== undefined) add(textual(formatHolds(node.format, x, stringLiteral)), `: must be of type ${node.format}`);
  if (node.minItems !== undefined) add(sized(`size(${x}) >= ${node.minItems}`), `: should have at least ${node.minItems} items`);
  if (node.maxItems !== undefined) add(sized(`size(${x}) <= ${node.maxItems}`), `: must have at most ${node.maxItems} items`);
  if (node.listType === 'set') add(`${x}.all(a, ${x}.exists_one(b, b == a))`, ': Duplicate value');
  if (node.listType === 'map' && node.items !== undefined) add(`${x}.all(a, ${x}.exists_one(b, ${sameMapKeys(node.items, node.listMapKeys)}))`, ': Duplicate value (list-map-keys)');
  for (const name of node.required) {
    const property = node.properties.get(name);
    if (property?.default !== undefined) continue; // satisfied by defaulting
    const present = property?.nullable ? hasField(x, name) : `${hasField(x, name)} && ${select(x, name)} != null`;
    add(present, `.${name}: Required value`);
  }
  const branch = (b: SchemaNode): string => and(nodeChecks(b, x, true).map((c) => c.holds));
  if (node.allOf !== undefined) for (const b of node.allOf) for (const c of nodeChecks(b, x, true)) add(c.holds, c.suffix);
  if (node.anyOf !== undefined) add(`(${node.anyOf.map(branch).map((t) => `(${t})`).join(' || ') || 'false'})`, ': must validate at least one schema (anyOf)');
  if (node.oneOf !== undefined) add(`(${node.oneOf.map((b) => `(${branch(b)} ? 1 : 0)`).join(' + ') || '0'}) == 1`, ': must validate one and only one schema (oneOf)');
  if (node.not !== undefined) add(`!(${branch(node.not)})`, ': must not validate the schema (not)');
  if (node.minProperties !== undefined) add(`${propertyCount(node, x)} >= ${node.minProperties}`, `: should have at least ${node.minProperties} properties`);
  if (node.maxProperties !== undefined) add(`${propertyCount(node, x)} <= ${node.maxProperties}`, `: may have at most ${node.maxProperties} properties`);
  return checks;
}

/** Homogeneous enums as plain lists; mixed ones with dyn() items (the checker wants homogeneous literals). */
function enumLiteral(values: readonly unknown[]): string {
  return new Set(values.map((v) => typeof v)).size > 1 ? dynLiteral(values) : jsonLiteral(values);
}

/** The node's type check, or undefined when the node takes any type (preserve-unknown-fields). */
export function typeCheck(node: SchemaNode, x: string): Check | undefined {
  if (node.intOrString) return { holds: `type(${x}) == int || type(${x}) == string`, suffix: ': must be an integer or a string' };
  switch (node.type) {
    case undefined:
      return undefined;
    case 'object':
      return { holds: `type(${x}) == map`, suffix: ': must be of type object' };
    case 'array':
      return { holds: `type(${x}) == list`, suffix: ': must be of type array' };
    case 'string':
      return { holds: `type(${x}) == string`, suffix: ': must be of type string' };
    case 'integer':
      return { holds: `type(${x}) == int`, suffix: ': must be of type integer' };
    case 'number':
      return { holds: `type(${x}) == int || type(${x}) == double`, suffix: ': must be of type number' };
    case 'boolean':
      return { holds: `type(${x}) == bool`, suffix: ': must be of type boolean' };
  }
}

/** The value of key `k` of a list-map element after defaulting. */
function keyValue(items: SchemaNode, element: string, key: string): string {
  const d = items.properties.get(key)?.default;
  return d === undefined ? select(element, key) : `(${hasField(element, key)} && ${select(element, key)} != null ? ${select(element, key)} : dyn(${dynLiteral(d)}))`;
}

function sameMapKeys(items: SchemaNode, keys: readonly string[]): string {
  return and(keys.map((k) => `${keyValue(items, 'b', k)} == ${keyValue(items, 'a', k)}`));
}

/** How many properties the object has after pruning and defaulting (what min/maxProperties count). */
function propertyCount(node: SchemaNode, x: string): string {
  if (node.additionalProperties !== undefined) {
    const v = node.additionalProperties;
    return v.nullable || v.default !== undefined ? `size(${x})` : `size(${x}.filter(k, ${x}[k] != null))`;
  }
  const terms: string[] = [];
  for (const [name, property] of node.properties) {
    if (property.default !== undefined) terms.push('1');
    else if (property.nullable) terms.push(`(${hasField(x, name)} ? 1 : 0)`);
    else terms.push(`(${hasField(x, name)} && ${select(x, name)} != null ? 1 : 0)`);
  }
  if (node.preserveUnknown) terms.push(`size(${x}.filter(k, !(k in ${jsonLiteral([...node.properties.keys()])})))`);
  return terms.length === 0 ? '0' : `(${terms.join(' + ')})`;
}

