/**
 * Values generated from a schema itself (fast-check): values meant to be valid (every type, format,
 * bound, default-able absence, nullable null, map and list shape), and near misses (one mutation of
 * a valid value at one place: a wrong type, out of range, a required field removed, an unknown field
 * added, a null, an enum miss, a duplicate in a set or map list, a pattern miss). CEL rules are not
 * solved: random values break them often enough, and the judges must agree either way.
 */
import fc from 'fast-check';
import { BORDER, WELL_FORMED } from './format-values.ts';
import type { JsonSchema } from './judge.ts';

type Path = readonly (string | number)[];

const SAFE = Number.MAX_SAFE_INTEGER;
const key = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,7}$/);


function stringOf(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = (s.minLength as number | undefined) ?? 0;
  const [wellFormed, border] = [WELL_FORMED[s.format as string], BORDER[s.format as string]];
  const format = wellFormed !== undefined && border !== undefined ? fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 1, arbitrary: border }) : (wellFormed ?? border);
  // Unbounded strings of a pattern or a format are as long as they come (a uuid is 36 characters).
  const maxLength = (s.maxLength as number | undefined) ?? (typeof s.pattern === 'string' || format !== undefined ? Infinity : Math.max(minLength, 12));
  let base: fc.Arbitrary<string>;
  if (typeof s.pattern === 'string') base = fc.stringMatching(new RegExp(s.pattern));
  else if (format !== undefined) base = fc.oneof({ weight: 4, arbitrary: format }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
  else base = fc.string({ minLength, maxLength });
  return base.filter((x) => x.length >= minLength && x.length <= maxLength);
}

function integerOf(s: JsonSchema): fc.Arbitrary<number> {
  let min = typeof s.minimum === 'number' ? s.minimum + (s.exclusiveMinimum === true ? 1 : 0) : -SAFE;
  let max = typeof s.maximum === 'number' ? s.maximum - (s.exclusiveMaximum === true ? 1 : 0) : SAFE;
  if (s.format === 'int32') [min, max] = [Math.max(min, -(2 ** 31)), Math.min(max, 2 ** 31 - 1)];
  const step = typeof s.multipleOf === 'number' ? s.multipleOf : 1;
  const small = fc.integer({ min: Math.ceil(Math.max(min, -1000) / step), max: Math.floor(Math.min(max, 1000) / step) }).map((n) => n * step);
  const any = fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((n) => n * step);
  return fc.oneof({ weight: 3, arbitrary: small }, { weight: 1, arbitrary: any });
}

function numberOf(s: JsonSchema): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : -1e9;
  const max = typeof s.maximum === 'number' ? s.maximum : 1e9;
  const inRange = (x: number): boolean =>
    (s.exclusiveMinimum === true ? x > min : x >= min) && (s.exclusiveMaximum === true ? x < max : x <= max) && !Object.is(x, -0);
  return fc
    .oneof(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: Math.ceil(Math.max(min, -1000)), max: Math.floor(Math.min(max, 1000)) }))
    .filter(inRange);
}

function arrayOf(s: JsonSchema, depth: number): fc.Arbitrary<unknown[]> {
  const items = valueOf((s.items as JsonSchema | undefined) ?? {}, depth + 1);
  const constraints = { minLength: (s.minItems as number | undefined) ?? 0, maxLength: (s.maxItems as number | undefined) ?? 4 };
  if (s['x-kubernetes-list-type'] === 'set') return fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(v) });
  if (s['x-kubernetes-list-type'] === 'map') {
    const keys = (s['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
    return fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(keys.map((k) => (v as Record<string, unknown>)[k])) });
  }
  return fc.array(items, constraints);
}

function objectOf(s: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (s.properties as Record<string, JsonSchema> | undefined) ?? {};
  if (s.additionalProperties !== undefined && typeof s.additionalProperties === 'object') {
    return fc.dictionary(key, valueOf(s.additionalProperties as JsonSchema, depth + 1), {
      minKeys: (s.minProperties as number | undefined) ?? 0,
      maxKeys: (s.maxProperties as number | undefined) ?? 3,
    });
  }
  if (s['x-kubernetes-embedded-resource'] === true) {
    return fc.record({ apiVersion: fc.constantFrom('v1', 'apps/v1'), kind: fc.constantFrom('ConfigMap', 'Deployment'), metadata: fc.record({ name: fc.stringMatching(/^[a-z]{1,10}$/) }) });
  }
  if (Object.keys(properties).length === 0 && s['x-kubernetes-preserve-unknown-fields'] === true) {
    return fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
  }
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, child] of Object.entries(properties)) record[name] = valueOf(child, depth + 1);
  return fc.record(record, { requiredKeys: (s.required as string[] | undefined) ?? [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A value meant to satisfy the schema's types and bounds (not its CEL rules). */
export function valueOf(s: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const typed = typedValueOf(s, depth);
  return s.nullable === true ? fc.oneof({ weight: 6, arbitrary: typed }, { weight: 1, arbitrary: fc.constant(null) }) : typed;
}

function typedValueOf(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if (s['x-kubernetes-int-or-string'] === true) return fc.oneof(fc.integer({ min: 0, max: 20 }), fc.stringMatching(/^[0-9]{1,2}%$/), fc.string({ maxLength: 5 }));
  switch (s.type) {
    case 'string':
      return stringOf(s);
    case 'integer':
      return integerOf(s);
    case 'number':
      return numberOf(s);
    case 'boolean':
      return fc.boolean();
    case 'array':
      return arrayOf(s, depth);
    case 'object':
      return objectOf(s, depth);
    default:
      return s['x-kubernetes-preserve-unknown-fields'] === true ? fc.jsonValue({ maxDepth: 2 }) : fc.constant({});
  }
}

interface Site {
  readonly path: Path;
  readonly schema: JsonSchema;
}

/** Every place of `value` with the schema that governs it, the root included. */
function sitesOf(s: JsonSchema, value: unknown, path: Path = []): Site[] {
  const sites: Site[] = [{ path, schema: s }];
  if (Array.isArray(value) && s.items !== undefined) {
    value.forEach((item, i) => sites.push(...sitesOf(s.items as JsonSchema, item, [...path, i])));
  } else if (value !== null && typeof value === 'object') {
    const properties = (s.properties as Record<string, JsonSchema> | undefined) ?? {};
    for (const [name, child] of Object.entries(value)) {
      const childSchema = properties[name] ?? (typeof s.additionalProperties === 'object' ? (s.additionalProperties as JsonSchema) : undefined);
      if (childSchema !== undefined) sites.push(...sitesOf(childSchema, child, [...path, name]));
    }
  }
  return sites;
}

type Mutation = (current: unknown, schema: JsonSchema) => { readonly value: unknown } | 'remove' | undefined;

const MUTATIONS: readonly Mutation[] = [
  // a wrong type
  (current) => ({ value: typeof current === 'string' ? 42 : typeof current === 'number' ? String(current) : typeof current === 'boolean' ? 'true' : Array.isArray(current) ? { a: 1 } : 'text' }),
  // out of range
  (current, s) => {
    if (typeof current === 'number') return { value: typeof s.maximum === 'number' ? s.maximum + 1 : typeof s.minimum === 'number' ? s.minimum - 1 : current + 0.5 };
    if (typeof current === 'string') return { value: current + 'x'.repeat(((s.maxLength as number | undefined) ?? 20) + 1) };
    if (Array.isArray(current)) return { value: [...current, ...current, ...current, ...current, ...current, current[0] ?? 'x'] };
    return undefined;
  },
  // a required field removed
  (current, s) => {
    const required = (s.required as string[] | undefined) ?? [];
    if (current === null || typeof current !== 'object' || Array.isArray(current) || required.length === 0) return undefined;
    const { [required[0] as string]: _removed, ...rest } = current as Record<string, unknown>;
    return { value: rest };
  },
  // an unknown field added
  (current) => (current !== null && typeof current === 'object' && !Array.isArray(current) ? { value: { ...current, zzUnknown: 1 } } : undefined),
  // a null
  () => ({ value: null }),
  // an enum or pattern miss
  (_current, s) => (Array.isArray(s.enum) || typeof s.pattern === 'string' || typeof s.format === 'string' ? { value: 'Not Valid!' } : undefined),
  // a duplicate in a list
  (current) => (Array.isArray(current) && current.length > 0 ? { value: [...current, current[0]] } : undefined),
  // the field removed altogether (defaults and required apply)
  () => 'remove',
];

function mutateAt(root: unknown, path: Path, mutation: Mutation, schema: JsonSchema): unknown {
  if (path.length === 0) {
    const result = mutation(root, schema);
    return result === undefined || result === 'remove' ? root : result.value;
  }
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  const result = mutation(parent[last], schema);
  if (result === 'remove') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (result !== undefined) {
    parent[last] = result.value;
  }
  return copy;
}

/** A valid value with one mutation at one place; at a string of a format, often a string on that format's border. */
export function nearMissOf(s: JsonSchema): fc.Arbitrary<unknown> {
  return valueOf(s).chain((value) =>
    fc.constantFrom(...sitesOf(s, value)).chain((site) => {
      const mutated = fc.constantFrom(...MUTATIONS).map((mutation) => mutateAt(value, site.path, mutation, site.schema));
      const border = BORDER[site.schema.format as string];
      if (border === undefined || site.path.length === 0) return mutated;
      return fc.oneof(mutated, border.map((b) => mutateAt(value, site.path, () => ({ value: b }), site.schema)));
    }),
  );
}

/** Half valid values, half near misses. */
export function casesOf(s: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof(valueOf(s), nearMissOf(s));
}
