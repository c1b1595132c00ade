/**
 * Values for a structural schema, from the schema itself (fast-check): mostly valid ones, and at every
 * node, sometimes, a near miss: a value of another type, a bound crossed by one, a string one rune too
 * long, a required field dropped, a null, an undeclared field, a duplicate in a set. Independent of
 * the admission generator (it reads the schema JSON, not the generator's tree).
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const WRONG = fc.oneof(fc.constant(null), fc.string({ maxLength: 3 }), fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 }), fc.boolean(), fc.constant({}), fc.constant([]));
/** Runes of 1 to 4 UTF-8 bytes, so rune counts and byte counts differ. */
const RUNE = fc.constantFrom('a', 'b', 'z', '0', '-', 'é', 'ß', '日', '😀');

export function valueOf(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const good = validish(schema, depth);
  return fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: nearMiss(schema), weight: 1 });
}

function validish(s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (s.enum !== undefined) return fc.constantFrom(...(s.enum as unknown[]));
  if (s['x-kubernetes-int-or-string'] === true) return fc.oneof(integer({ ...s, maxLength: undefined }), string({ ...s, maximum: undefined }));
  switch (s.type) {
    case 'string':
      return string(s);
    case 'integer':
      return integer(s);
    case 'number':
      return fc.oneof(integer(s), number(s));
    case 'boolean':
      return fc.boolean();
    case 'array':
      return array(s, depth);
    case 'object':
      return object(s, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function nearMiss(s: Schema): fc.Arbitrary<unknown> {
  const misses: fc.Arbitrary<unknown>[] = [WRONG];
  if (typeof s.minimum === 'number') misses.push(fc.constant(s.minimum - (s.type === 'integer' ? 1 : 0.5)), fc.constant(s.minimum));
  if (typeof s.maximum === 'number') misses.push(fc.constant(s.maximum + (s.type === 'integer' ? 1 : 0.5)), fc.constant(s.maximum));
  if (typeof s.maxLength === 'number') misses.push(fc.array(RUNE, { minLength: s.maxLength, maxLength: s.maxLength + 1 }).map((r) => r.join('')));
  if (typeof s.minLength === 'number' && s.minLength > 0) misses.push(fc.array(RUNE, { minLength: s.minLength - 1, maxLength: s.minLength - 1 }).map((r) => r.join('')));
  if (typeof s.pattern === 'string') misses.push(fc.array(RUNE, { maxLength: 4 }).map((r) => r.join('')));
  if (s.enum !== undefined) misses.push(fc.string({ maxLength: 4 }));
  return fc.oneof(...misses);
}

function string(s: Schema): fc.Arbitrary<string> {
  const minLength = (s.minLength as number | undefined) ?? 0;
  const maxLength = Math.min((s.maxLength as number | undefined) ?? 8, minLength + 8);
  if (typeof s.pattern === 'string') {
    return fc.stringMatching(new RegExp(s.pattern)).filter((t) => [...t].length >= minLength && [...t].length <= ((s.maxLength as number | undefined) ?? Infinity));
  }
  return fc.array(RUNE, { minLength, maxLength }).map((r) => r.join(''));
}

function integer(s: Schema): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? Math.ceil(s.minimum) + (s.exclusiveMinimum === true ? 1 : 0) : -1000;
  const max = typeof s.maximum === 'number' ? Math.floor(s.maximum) - (s.exclusiveMaximum === true ? 1 : 0) : 1000;
  const arb = fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) });
  return typeof s.multipleOf === 'number' ? arb.map((n) => n - (n % (s.multipleOf as number))) : arb;
}

function number(s: Schema): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : -1000;
  const max = typeof s.maximum === 'number' ? s.maximum : 1000;
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true, minExcluded: s.exclusiveMinimum === true, maxExcluded: s.exclusiveMaximum === true });
}

function array(s: Schema, depth: number): fc.Arbitrary<unknown[]> {
  const items = (s.items ?? {}) as Schema;
  const minLength = (s.minItems as number | undefined) ?? 0;
  const maxLength = Math.min((s.maxItems as number | undefined) ?? 4, minLength + 4);
  const item = depth > 4 ? validish(items, depth + 1) : valueOf(items, depth + 1);
  if (s['x-kubernetes-list-type'] === 'set') {
    return fc.oneof({ arbitrary: fc.uniqueArray(item, { minLength, maxLength, comparator: 'SameValueZero' }), weight: 4 }, { arbitrary: item.map((v) => [v, v]), weight: 1 });
  }
  return fc.array(item, { minLength, maxLength });
}

function object(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set((s.required ?? []) as string[]);
  if (s.additionalProperties !== undefined && typeof s.additionalProperties === 'object') {
    const maxKeys = Math.min((s.maxProperties as number | undefined) ?? 3, 4);
    return fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd-e', 'f'), valueOf(s.additionalProperties as Schema, depth + 1), { maxKeys, minKeys: Math.min((s.minProperties as number | undefined) ?? 0, maxKeys) });
  }
  const names = Object.keys(properties);
  const record = fc.record(Object.fromEntries(names.map((n) => [n, valueOf(properties[n] as Schema, depth + 1)])), {
    requiredKeys: names.filter((n) => required.has(n)),
  });
  // Sometimes a required field goes missing, sometimes an undeclared field appears.
  return fc.tuple(record, fc.nat(20), fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined })).map(([value, roll, extra]) => {
    const out: Record<string, unknown> = { ...value };
    if (roll === 0 && required.size > 0) delete out[[...required][0] as string];
    if (roll === 1 && extra !== undefined) out.undeclared = extra;
    return out;
  });
}
