/**
 * The fast-path match condition of an entry's policy (src/schemas/admission/fast-path.ts): when it is
 * generated, what it reads, and the cost bound that decides it (fast-path-cost.ts, cel-tokens.ts).
 * That it never changes a verdict is proven on the real apiserver: the differential test judges the
 * corpus schema fast-path.json and database@v1 with it, and test/integration/schemas/
 * admission-policy.test.ts compares each decision with the same policy without it; what the apiserver
 * charges for it is checked against its bound by test/integration/schemas/fast-path-cost.test.ts
 * (tools/go/policycost, the apiserver's own cost rules).
 */
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../src/schemas/admission/cel-tokens.ts';
import { fastPathCostBound } from '../../../src/schemas/admission/fast-path-cost.ts';
import { FAST_PATH_CONDITION } from '../../../src/schemas/admission/fast-path.ts';
import { generateAdmissionPolicy } from '../../../src/schemas/admission/index.ts';
import { readSchema, type SchemaNode } from '../../../src/schemas/admission/schema-node.ts';
import { exportOpenAPIV3Schema } from '../../../src/schemas/json-schema.ts';
import { loadCorpus } from '../../parity/corpus.ts';

const owner = { uid: '00000000-0000-0000-0000-000000000000' };
type Condition = { name: string; expression: string };

function conditions(openAPIV3Schema: unknown, extra: { deprecated?: boolean; target?: 'ConfigBundle' } = {}): Condition[] {
  const result = generateAdmissionPolicy({ name: 'payments', version: 'v1', openAPIV3Schema, owner, ...extra });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return (result.policy.spec as { matchConditions: Condition[] }).matchConditions;
}

function node(schema: unknown): SchemaNode {
  const read = readSchema(schema);
  if (!read.ok) throw new Error(JSON.stringify(read.problems));
  return read.node;
}

const object = (properties: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ type: 'object', properties, ...more });
const bounded = object({ name: { type: 'string', maxLength: 8, pattern: '^[a-z]+$' }, port: { type: 'integer', default: 80 } });

describe('the fast-path match condition', () => {
  it('is the third condition of a served version without lists or maps: the schema-version test, then not every check', () => {
    const all = conditions(bounded);
    expect(all.map((c) => c.name)).toEqual(['names-schema-version', 'spec-new-or-changed', FAST_PATH_CONDITION]);
    const fast = all[2]?.expression ?? '';
    expect(fast.startsWith(`${all[0]?.expression} && ![dyn(object.spec.data)].all(data, `)).toBe(true);
    // Each property read once into a comprehension variable, checked there; no policy variable.
    expect(fast).toContain('[data.?name.orValue(null)].all(f0, f0 == null || ((type(f0) == string) && (size(f0) <= 8) && (f0.matches("^[a-z]+$"))))');
    expect(fast).toContain('[(has(data.port) && data.port != null ? data.port : dyn(80))].all(f0, f0 == null || (type(f0) == int))');
    expect(fast).not.toContain('variables.');
  });

  it('checks a rule after every check of the values it reads, on the view the validation builds', () => {
    const schema = object({ pool: object({ min: { type: 'integer', default: 0 }, max: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.min <= self.max' }] }) });
    const fast = conditions(schema)[2]?.expression ?? '';
    expect(fast).toContain('(type(f1) == int)))) && ([{?"min": ');
    expect(fast.indexOf('self.min <= self.max')).toBeGreaterThan(fast.lastIndexOf('type(f1) == int'));
  });

  it.each([
    ['a deprecated version (every request gets its warning)', bounded, { deprecated: true }],
    ['bundle members', bounded, { target: 'ConfigBundle' as const }],
    ['a list', object({ tags: { type: 'array', maxItems: 3, items: { type: 'string', maxLength: 4 } } }), {}],
    ['a map', object({ labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 4 } } }), {}],
  ])('is not generated for %s', (_, schema, extra) => {
    expect(conditions(schema, extra).map((c) => c.name)).not.toContain(FAST_PATH_CONDITION);
  });

  it('is generated for database@v1, the benchmark\'s schema', () => {
    expect(conditions(exportOpenAPIV3Schema('database@v1')).map((c) => c.name)).toContain(FAST_PATH_CONDITION);
  });

  // The parity run covers the fast path only through this schema: without the condition it would
  // silently judge the slow path alone.
  it('is generated for the parity corpus\'s fast-path.json', () => {
    const schema = loadCorpus().find((s) => s.name === 'fast-path')?.schema;
    expect(conditions(schema).map((c) => c.name)).toContain(FAST_PATH_CONDITION);
  });
});

describe('the cost bound of the fast path', () => {
  const bound = (schema: unknown, expression = 'true') => fastPathCostBound(node(schema), expression);

  it('is 40 per evaluation step, two per token, plus each pattern by the apiserver\'s formula over maxLength', () => {
    expect(bound(object({ a: { type: 'integer' } }), 'a && b')).toBe(40 * 2 * 3);
    // ceil(0.1 x (1 + 99)) x ceil(0.25 x 8 characters of pattern) = 10 x 2
    expect(bound(object({ a: { type: 'string', maxLength: 99, pattern: '^[a-z]+$' } }))).toBe(80 + 20);
    // An enum's `in` costs its size.
    expect(bound(object({ a: { type: 'string', enum: ['x', 'y', 'z'] } }))).toBe(80 + 3);
  });

  it('bounds a pattern in a branch by the node\'s maxLength', () => {
    expect(bound(object({ a: { type: 'string', maxLength: 99, anyOf: [{ pattern: '^[a-z]+$' }] } }))).toBe(80 + 20);
  });

  it.each([
    ['a pattern on a string without maxLength', object({ a: { type: 'string', pattern: '^a$' } })],
    ['a list', object({ a: { type: 'array', maxItems: 2, items: { type: 'integer' } } })],
    ['a map', object({ a: { type: 'object', additionalProperties: { type: 'integer' } } })],
    ['a checked format', object({ a: { type: 'string', maxLength: 9, format: 'uuid' } })],
    ['maxProperties over undeclared fields', object({ a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, maxProperties: 2 } })],
    ['a rule that calls a function of unbounded cost', object({ a: { type: 'string', maxLength: 9, 'x-kubernetes-validations': [{ rule: 'self.matches("a")' }] } })],
    ['a rule with a macro', object({ a: object({ b: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.all(k, k != "c")' }] }) })],
    ['a rule reading a string without maxLength', object({ a: object({ b: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'self.b == "x"' }] }) })],
    ['a rule on a string without maxLength', object({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() > 1' }] } })],
  ])('is unknown for %s (no fast path)', (_, schema) => {
    expect(bound(schema)).toBeUndefined();
  });

  it('is unknown for a rule whose comment hides a call', () => {
    // CEL skips `//` to the end of the line: the `'''` in the comments are no string, and the
    // comprehensions and matches() between them are code.
    const hidden = "self.b == 'x' // '''\n || [1, 2].all(i, self.b.matches('(a|b)*c')) // '''";
    const schema = object({ a: object({ b: { type: 'string', maxLength: 100 } }, { 'x-kubernetes-validations': [{ rule: hidden }] }) });
    expect(bound(schema)).toBeUndefined();
  });

  it('bounds a rule of constant-cost calls on bounded strings by its tokens and the longest string it can build', () => {
    const schema = object({ a: object({ b: { type: 'string', maxLength: 100 } }, { 'x-kubernetes-validations': [{ rule: 'self.b == "x"' }] }) });
    // 5 tokens, 10 steps; strings of at most 5 x 100; each step ceil(0.1 x 500) + 5 tokens + 1 node viewed (b).
    expect(bound(schema)).toBe(80 + 10 * (50 + 5 + 1));
  });
});

// A literal's length is counted in source characters, escapes included: at least its value's length.
describe('tokenize (CEL, for the cost bound)', () => {
  it.each([
    ['has(self.a) && self.b != 1.5e3', ['has', '(', 'self', '.', 'a', ')', '&&', 'self', '.', 'b', '!=', 'number']],
    [`'it\\'s' + "a\\"b" + r'\\d' + '''x'y'''`, ['string:5', '+', 'string:4', '+', 'string:2', '+', 'string:3']],
    ['self.?a.orValue(0x1F) in [1u, .5]', ['self', '.', '?', 'a', '.', 'orValue', '(', 'number', ')', 'in', '[', 'number', ',', 'number', ']']],
    // A comment runs to the end of its line, whatever it holds; a `//` inside a string is the string's.
    ["a // b '''\n+ c // d", ['a', '+', 'c']],
    ["'//' + r\"a//b\"", ['string:2', '+', 'string:4']],
    // Escapes of every form CEL knows; bytes count UTF-8 bytes (b'é' is 2 bytes from 1 character).
    ["'\\a\\x41\\u00e9\\U0001F600\\101\\`' + b'é' + br'\\q' + R'''x\n'''", ['string:28', '+', 'string:2', '+', 'string:2', '+', 'string:2']],
    ['1.5 + 1e3 + 2.size()', ['number', '+', 'number', '+', 'number', '.', 'size', '(', ')']],
    // Prefixes other than b, r or br start an identifier, as in CEL (then a parse error there).
    ["rr'a' + rb'a'", ['rr', 'string:1', '+', 'rb', 'string:1']],
  ])('%s', (source, expected) => {
    const tokens = tokenize(source)?.map((t) => (t.kind === 'identifier' || t.kind === 'operator' ? t.text : t.kind === 'string' ? `string:${t.chars}` : t.kind));
    expect(tokens).toEqual(expected);
  });

  it.each([
    ['a backquoted name', 'self.`a.b`'],
    ['an unterminated string', '"abc'],
    ['a stray character', 'a # b'],
    ['an escape CEL does not know', String.raw`'\q'`],
    ['a short hex escape', String.raw`'\x4'`],
    ['a carriage return in a one-line string', "'a\rb'"],
    ['a non-ASCII identifier', 'self.é'],
    ['a space CEL does not skip', 'a\u00a0&& b'],
    ['a lone =', 'a = b'],
  ])('refuses %s', (_, source) => {
    expect(tokenize(source)).toBeUndefined();
  });
});
