/**
 * An embedded schema's `openAPIV3Schema`: the zod schema's JSON Schema (json-schema.ts) rewritten in
 * the structural dialect of CRDs, so the one schema engine (./engine) validates embedded and declared
 * data alike. Every rewrite keeps the meaning the zod schema has:
 *   - `$schema`, `$id`, `title` go; `additionalProperties: false` goes (a structural schema prunes
 *     undeclared fields; Cairn refuses them, see domain/validate.ts);
 *   - a numeric `exclusiveMinimum`/`exclusiveMaximum` becomes the bound plus the boolean form;
 *   - `const` becomes a one-value enum;
 *   - `propertyNames` (a record's key syntax) becomes a CEL rule over the map's keys;
 *   - a `oneOf` of objects told apart by one `const` property (a zod discriminated union) becomes
 *     one object: shared properties as they are, the discriminator an enum, and a property whose
 *     value schema differs by variant keeps its values unchecked by type (preserve-unknown-fields)
 *     and checked by a CEL rule per variant instead. Only scalar value schemas are supported there.
 * Anything else that a structural schema cannot carry throws: a schema that cannot be expressed
 * faithfully fails the unit tests, never validates differently.
 */
type Node = Record<string, unknown>;

const DROPPED = new Set(['$schema', '$id', 'title']);
const REFUSED = new Set(['$ref', '$defs', 'anyOf', 'allOf', 'not', 'if', 'then', 'else', 'prefixItems']);

function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The CEL rule that checks each key of a map against a string schema (propertyNames). */
function keyRule(names: Node): Node {
  const checks: string[] = [];
  if (typeof names.minLength === 'number') checks.push(`size(k) >= ${names.minLength}`);
  if (typeof names.maxLength === 'number') checks.push(`size(k) <= ${names.maxLength}`);
  if (typeof names.pattern === 'string') checks.push(`k.matches(${celString(names.pattern)})`);
  const described = [
    typeof names.pattern === 'string' ? `match ${names.pattern}` : '',
    typeof names.maxLength === 'number' ? `have at most ${names.maxLength} characters` : '',
  ].filter((s) => s !== '');
  return { rule: `self.all(k, ${checks.join(' && ') || 'true'})`, message: `every key must ${described.join(' and ')}` };
}

/** CEL that is true when `x` is a value of the scalar schema `s`. */
function scalarCheck(x: string, s: Node, path: string): string {
  switch (s.type) {
    case 'boolean':
      return `type(${x}) == bool`;
    case 'number':
      return `(type(${x}) == double || type(${x}) == int)`;
    case 'integer':
      return `type(${x}) == int`;
    case 'string':
      return `type(${x}) == string${typeof s.maxLength === 'number' ? ` && size(${x}) <= ${s.maxLength}` : ''}`;
    default:
      throw new Error(`${path}: a value whose schema differs by variant must be a scalar, got ${JSON.stringify(s)}`);
  }
}

function withoutDescription(node: unknown): string {
  return JSON.stringify(node, (key, value: unknown) => (key === 'description' ? undefined : value));
}

/** A zod discriminated union (oneOf of objects with one const property) as one structural object. */
function mergeUnion(variants: Node[], path: string): Node {
  const converted = variants.map((v, i) => toOpenAPIV3(v, `${path}.oneOf[${i}]`));
  const propertiesOf = (v: Node): Record<string, Node> => (v.properties as Record<string, Node> | undefined) ?? {};
  const names = [...new Set(converted.flatMap((v) => Object.keys(propertiesOf(v))))];
  const discriminator = names.find((n) => converted.every((v) => Array.isArray(propertiesOf(v)[n]?.enum) && (propertiesOf(v)[n]?.enum as unknown[]).length === 1));
  if (discriminator === undefined) throw new Error(`${path}: oneOf is supported only as a discriminated union of objects`);
  const tags = converted.map((v) => (propertiesOf(v)[discriminator]?.enum as unknown[])[0]);
  const first = converted[0] as Node;
  const properties: Record<string, Node> = {};
  const rules: Node[] = [];
  for (const name of names) {
    const schemas = converted.map((v) => propertiesOf(v)[name]);
    if (name === discriminator) {
      properties[name] = { ...(schemas[0] as Node), enum: tags };
    } else if (schemas.every((s) => s !== undefined && withoutDescription(s) === withoutDescription(schemas[0]))) {
      properties[name] = schemas[0] as Node;
    } else {
      // Only a map whose value schema differs by variant is supported (feature-flags' variants).
      const maps = schemas as Node[];
      const { additionalProperties: _values, ...shared } = maps[0] as Node;
      if (maps.some((m) => m?.type !== 'object' || typeof m.additionalProperties !== 'object')) {
        throw new Error(`${path}.${name}: differs by variant in a way a structural schema cannot express`);
      }
      properties[name] = { ...shared, additionalProperties: { 'x-kubernetes-preserve-unknown-fields': true } };
      maps.forEach((m, i) => {
        const check = scalarCheck(`self.${name}[k]`, m.additionalProperties as Node, `${path}.${name}`);
        rules.push({
          rule: `self.${discriminator} != ${celString(String(tags[i]))} || self.${name}.all(k, ${check})`,
          message: `every value of ${name} must be a ${String(tags[i])}${(m.additionalProperties as Node).maxLength === undefined ? '' : ` of at most ${String((m.additionalProperties as Node).maxLength)} characters`}`,
        });
      });
    }
  }
  const required = (first.required as string[] | undefined)?.filter((r) => converted.every((v) => (v.required as string[] | undefined)?.includes(r)));
  return { type: 'object', properties, ...(required?.length ? { required } : {}), ...(rules.length ? { 'x-kubernetes-validations': rules } : {}) };
}

/** Converts one JSON Schema node (recursively); `path` names it in errors. */
export function toOpenAPIV3(node: Node, path = '$'): Node {
  if (Array.isArray(node.oneOf)) {
    const { oneOf, ...rest } = node;
    const merged = mergeUnion(oneOf as Node[], path);
    const outer = toOpenAPIV3(rest, path);
    const rules = [...((merged['x-kubernetes-validations'] as Node[] | undefined) ?? []), ...((outer['x-kubernetes-validations'] as Node[] | undefined) ?? [])];
    return { ...merged, ...outer, type: 'object', ...(rules.length ? { 'x-kubernetes-validations': rules } : {}) };
  }
  const out: Node = {};
  const rules: Node[] = [];
  for (const [keyword, value] of Object.entries(node)) {
    if (DROPPED.has(keyword)) continue;
    if (REFUSED.has(keyword)) throw new Error(`${path}: '${keyword}' cannot be expressed in a structural schema`);
    if (keyword === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Node>).map(([name, child]) => [name, toOpenAPIV3(child, `${path}.${name}`)]));
    } else if (keyword === 'items') {
      out.items = toOpenAPIV3(value as Node, `${path}[]`);
    } else if (keyword === 'additionalProperties') {
      if (value !== false) out.additionalProperties = toOpenAPIV3(value as Node, `${path}{}`);
    } else if (keyword === 'propertyNames') {
      rules.push(keyRule(value as Node));
    } else if ((keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') && typeof value === 'number') {
      out[keyword === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[keyword] = true;
    } else if (keyword === 'const') {
      out.enum = [value];
    } else if (keyword === 'x-kubernetes-validations') {
      rules.push(...(value as Node[]));
    } else {
      out[keyword] = value;
    }
  }
  if (rules.length > 0) out['x-kubernetes-validations'] = rules;
  return out;
}
