/**
 * The admission policy generator (src/schemas/admission): the CEL it writes for small schemas, what it
 * refuses (with the schema path), and the shape of the policy and binding. Whether the CEL gives the
 * apiserver's verdict is proven on the real apiserver (test/integration/schemas/admission-policy.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { generateAdmissionPolicy, policyName } from '../../../src/schemas/admission/index.ts';
import { readSchema } from '../../../src/schemas/admission/schema-node.ts';
import { joinValidations, type Validation, validationsOf } from '../../../src/schemas/admission/validations.ts';
import { fieldsReadFromSelf } from '../../../src/schemas/admission/view.ts';

/** The generator's output for a schema (before joining). */
function generated(openAPIV3Schema: unknown) {
  const read = readSchema(openAPIV3Schema);
  if (!read.ok) throw new Error(JSON.stringify(read.problems));
  const result = validationsOf(read.node);
  if (result.problems.length > 0) throw new Error(JSON.stringify(result.problems));
  return result;
}

/**
 * The validations of a schema (before joining), with every policy variable written out where it is
 * read: the CEL each validation evaluates, whatever the generator chose to bind.
 */
function validations(openAPIV3Schema: unknown): Validation[] {
  const { validations, variables } = generated(openAPIV3Schema);
  const byName = new Map(variables.map((v) => [v.name, v.expression]));
  const inline = (text: string): string => {
    const next = text.replace(/\bvariables\.(v\d+)\b/g, (_, name: string) => byName.get(name) ?? `variables.${name}`);
    return next === text ? text : inline(next);
  };
  return validations.map((v) => ({ ...v, expression: inline(v.expression), ...(v.messageExpression === undefined ? {} : { messageExpression: inline(v.messageExpression) }) }));
}

function problems(openAPIV3Schema: unknown): { path: string; message: string }[] {
  const result = generateAdmissionPolicy({ name: 'payments', version: 'v1', openAPIV3Schema, owner: { uid: 'uid-1' } });
  return result.ok ? [] : result.problems;
}

const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

describe('the CEL written for one property', () => {
  const cases: [string, unknown, string][] = [
    ['integer with bounds', { type: 'integer', minimum: 1, maximum: 10 }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || ((type(f0) == int) && (f0 >= 1) && (f0 <= 10)))'],
    ['exclusive number bounds compare as doubles', { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 2.5 }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || ((type(f0) == int || type(f0) == double) && (double(f0) > 0.0) && (double(f0) <= 2.5)))'],
    ['string lengths (runes) and pattern', { type: 'string', minLength: 1, maxLength: 3, pattern: '^a"b$' }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || ((type(f0) == string) && (size(f0) >= 1) && (size(f0) <= 3) && (f0.matches("^a\\"b$"))))'],
    ['enum', { type: 'string', enum: ['a', 'b'] }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || ((type(f0) == string) && (f0 in ["a", "b"])))'],
    ['boolean', { type: 'boolean' }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || (type(f0) == bool))'],
    ['int-or-string bounds apply to their own kind', { 'x-kubernetes-int-or-string': true, maximum: 5, maxLength: 2 }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || ((type(f0) == int || type(f0) == string) && ((type(f0) != int && type(f0) != double) || (f0 <= 5)) && (type(f0) != string || (size(f0) <= 2))))'],
    ['int-or-string with anyOf branches of either kind', { 'x-kubernetes-int-or-string': true, anyOf: [{ minimum: 0 }, { pattern: '^[0-9]+%$' }] }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || ((type(f0) == int || type(f0) == string) && ((((type(f0) != int && type(f0) != double) || (f0 >= 0)) || (type(f0) != string || (f0.matches("^[0-9]+%$")))))))'],
    ['integer multipleOf', { type: 'integer', multipleOf: 5 }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || ((type(f0) == int) && (f0 % 5 == 0)))'],
    ['a set list', { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 3 }, '[dyn(object.spec.data).?p.orValue(null)].all(f0, f0 == null || ((type(f0) == list) && (size(f0) <= 3) && (f0.all(a, f0.exists_one(b, b == a)))))'],
  ];
  it.each(cases)('%s', (_name, schema, expected) => {
    expect(validations(object({ p: schema }))[0]?.expression).toBe(expected);
  });

  it('a property name that is not a CEL identifier is selected by index', () => {
    expect(validations(object({ 'max-conns': { type: 'integer' } }))[0]?.expression).toBe('!("max-conns" in dyn(object.spec.data)) || !(dyn(object.spec.data)["max-conns"] != null) || (type(dyn(object.spec.data)["max-conns"]) == int)');
  });
});

describe('required, defaults and nulls', () => {
  it('a required field without default must be present and not null', () => {
    expect(validations(object({ a: { type: 'string' } }, { required: ['a'] }))[0]?.expression).toBe('has(dyn(object.spec.data).a) && dyn(object.spec.data).a != null');
  });
  it('a required field with a default is satisfied by defaulting: no check, and an absent value is checked as its default', () => {
    const all = validations(object({ a: { type: 'string', default: 'x' } }, { required: ['a'] }));
    expect(all.map((v) => v.expression)).toEqual(['[(has(dyn(object.spec.data).a) && dyn(object.spec.data).a != null ? dyn(object.spec.data).a : dyn("x"))].all(f0, f0 == null || (type(f0) == string))']);
  });
  it('a required nullable field may be null', () => {
    expect(validations(object({ a: { type: 'string', nullable: true } }, { required: ['a'] }))[0]?.expression).toBe('has(dyn(object.spec.data).a)');
  });
  it('a null list item is a type error unless the items are nullable or defaulted', () => {
    const plain = validations(object({ l: { type: 'array', items: { type: 'integer' } } }))[1]?.expression;
    expect(plain).toBe('!has(dyn(object.spec.data).l) || !(type(dyn(object.spec.data).l) == list) || (dyn(object.spec.data).l.all(i1, type(i1) == int))');
    const defaulted = validations(object({ l: { type: 'array', items: { type: 'integer', default: 1 } } }))[1]?.expression;
    expect(defaulted).toBe('!has(dyn(object.spec.data).l) || !(type(dyn(object.spec.data).l) == list) || (dyn(object.spec.data).l.all(i1, !((i1 == null ? dyn(1) : i1) != null) || (type((i1 == null ? dyn(1) : i1)) == int)))');
  });
  it('maxProperties counts properties after pruning and defaulting', () => {
    const expression = validations(object({ a: { type: 'string', default: 'x' }, b: { type: 'string' }, c: { type: 'string', nullable: true } }, { maxProperties: 2 }))[0]?.expression;
    expect(expression).toBe('(1 + (has(dyn(object.spec.data).b) && dyn(object.spec.data).b != null ? 1 : 0) + (has(dyn(object.spec.data).c) ? 1 : 0)) <= 2');
  });
});

describe('x-kubernetes-validations rules', () => {
  const pool = object({ min: { type: 'integer', default: 0 }, max: { type: 'integer', default: 10 } }, { 'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'min must not exceed max', fieldPath: '.min' }] });

  it('run on the defaulted value, bound to self, with the rule message after the field path', () => {
    const rule = validations(object({ pool }, {})).at(-1);
    expect(rule?.expression).toBe(
      '[dyn(object.spec.data).?pool.orValue(null)].all(f0, f0 == null || (!(type(f0) == map) || ([{' +
        '?"min": (has(f0.min) && f0.min != null ? optional.of(dyn(f0.min)) : optional.of(dyn(0))), ' +
        '?"max": (has(f0.max) && f0.max != null ? optional.of(dyn(f0.max)) : optional.of(dyn(10)))' +
        '}].all(self, self.min <= self.max))))',
    );
    // One value: a static message, no message expression (the apiserver evaluates every one on every request).
    expect(rule?.messageExpression).toBeUndefined();
    expect(rule?.message).toBe('spec.data.pool.min: min must not exceed max');
  });

  it('at one value, read each field once: bound to a comprehension variable, the view inline, no policy variable', () => {
    const { validations: all, variables } = generated(object({ pool }, {}));
    expect(variables).toEqual([]);
    expect(all.map((v) => v.expression)).toEqual([
      '[dyn(object.spec.data).?pool.orValue(null)].all(f0, f0 == null || (type(f0) == map))',
      '!has(dyn(object.spec.data).pool) || !(type(dyn(object.spec.data).pool) == map) || ([(has(dyn(object.spec.data).pool.min) && dyn(object.spec.data).pool.min != null ? dyn(object.spec.data).pool.min : dyn(0))].all(f1, f1 == null || (type(f1) == int)))',
      '!has(dyn(object.spec.data).pool) || !(type(dyn(object.spec.data).pool) == map) || ([(has(dyn(object.spec.data).pool.max) && dyn(object.spec.data).pool.max != null ? dyn(object.spec.data).pool.max : dyn(10))].all(f1, f1 == null || (type(f1) == int)))',
      '[dyn(object.spec.data).?pool.orValue(null)].all(f0, f0 == null || (!(type(f0) == map) || ([{?"min": (has(f0.min) && f0.min != null ? optional.of(dyn(f0.min)) : optional.of(dyn(0))), ?"max": (has(f0.max) && f0.max != null ? optional.of(dyn(f0.max)) : optional.of(dyn(10)))}].all(self, self.min <= self.max))))',
    ]);
  });

  it('a defaulted object is one variable, and the values below it read that variable', () => {
    const { variables } = generated(object({ pool: { ...pool, default: {} } }, {}));
    expect(variables[0]?.expression).toBe('(has(dyn(object.spec.data).pool) && dyn(object.spec.data).pool != null ? dyn(object.spec.data).pool : dyn({}))');
    expect(variables.slice(1).every((v) => !v.expression.includes('dyn(object.spec.data).pool'))).toBe(true);
  });

  it('are quantified over list items, and the message names the first failing index', () => {
    const rule = validations(object({ l: { type: 'array', items: pool } })).at(-1);
    expect(rule?.expression).toContain('dyn(object.spec.data).l.all(i1, !(i1 != null) || (!(type(i1) == map) || ([{');
    expect(rule?.messageExpression).toMatch(/^"spec\.data\.l\[" \+ string\(dyn\(object\.spec\.data\)\.l\.indexOf\(dyn\(object\.spec\.data\)\.l\.filter\(i1, /);
  });

  it('see numbers as doubles and undeclared fields pruned', () => {
    const rule = validations(object({ r: object({ rate: { type: 'number' } }, { 'x-kubernetes-validations': [{ rule: 'self.rate > 1.5' }] }) })).at(-1);
    expect(rule?.expression).toContain('[{?"rate": (has(f0.rate) && f0.rate != null ? optional.of(dyn(double(f0.rate))) : optional.none())}]');
    expect(rule?.message).toBe('spec.data.r: failed rule: self.rate > 1.5');
  });

  it('see only the fields they read: a map they do not read is no reason to refuse', () => {
    const schema = object({ n: { type: 'integer' }, m: { type: 'object', additionalProperties: { type: 'string' } } }, { 'x-kubernetes-validations': [{ rule: 'self.?n.orValue(0) < 5' }] });
    expect(validations(schema).at(-1)?.expression).toBe('!(type(dyn(object.spec.data)) == map) || ([{?"n": (has(dyn(object.spec.data).n) && dyn(object.spec.data).n != null ? optional.of(dyn(dyn(object.spec.data).n)) : optional.none())}].all(self, self.?n.orValue(0) < 5))');
    const readsAll = object({ 'a-b': { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'self == self' }] });
    expect(problems(readsAll)[0]?.message).toMatch(/escapes/);
  });

  it('see a map without its null values (pruned), or with them defaulted', () => {
    const view = (values: Record<string, unknown>) => validations(object({ m: { type: 'object', additionalProperties: values, 'x-kubernetes-validations': [{ rule: 'size(self) < 3' }] } })).at(-1)?.expression;
    expect(view({ type: 'integer' })).toContain('[f0.transformMap(vk0, vv0, vv0 != null, dyn(vv0))].all(self, size(self) < 3)');
    expect(view({ type: 'integer', default: 1 })).toContain('[f0.transformMap(vk0, vv0, vv0 == null ? dyn(1) : dyn(vv0))]');
    expect(view({ type: 'integer', nullable: true })).toContain('[f0].all(self');
  });

  it.each([
    [['self.a < self.b'], ['a', 'b']],
    [['has(self.a) && self.?b.orValue(1) > 0', "'x' + self.c"], ['a', 'b', 'c']],
    [['self.all(k, k != "")'], ['all']],
    [['size(self) > 0'], 'all'],
    [['self == oldSelf'], 'all'],
  ] as [string[], string[] | 'all'][])('the fields %j read from self: %j', (texts, expected) => {
    const read = fieldsReadFromSelf(texts);
    expect(read === 'all' ? 'all' : [...read].sort()).toEqual(expected);
  });

  it('use the messageExpression on the same self', () => {
    const rule = validations(object({}, { 'x-kubernetes-validations': [{ rule: 'false', messageExpression: '"got " + string(size(self))' }] })).at(-1);
    expect(rule?.messageExpression).toBe('"spec.data" + ": " + [{}].map(self, "got " + string(size(self)))[0]');
    expect(rule?.expression).toBe('!(type(dyn(object.spec.data)) == map) || ([{}].all(self, false))');
  });
});

describe('joining validations', () => {
  const v = (n: number): Validation => ({ expression: `e${n}`, messageExpression: `m${n}`, message: `s${n}`, reason: 'Invalid', joinable: true });
  const fixed = (n: number): Validation => ({ expression: `f${n}`, message: `s${n}`, reason: 'Invalid' });

  it('quantified ones into one expression, with the message of the first that fails', () => {
    expect(joinValidations([v(1), v(2), v(3)], 100)).toEqual([{ expression: '(e1) && (e2) && (e3)', messageExpression: '(!(e1) ? (m1) : (!(e2) ? (m2) : (m3)))', message: 'spec.data: is invalid', reason: 'Invalid', joinable: true }]);
  });

  it('no expression longer than the limit unless one alone is', () => {
    expect(joinValidations([v(1), v(2), v(3)], 4).map((j) => j.expression)).toEqual(['(e1) && (e2)', 'e3']);
    expect(joinValidations([v(1)], 1)).toEqual([v(1)]);
  });

  it('validations with a static message stay as they are, in order', () => {
    expect(joinValidations([fixed(1), fixed(2), v(3), v(4), fixed(5)], 100).map((j) => j.expression)).toEqual(['f1', 'f2', '(e3) && (e4)', 'f5']);
  });

  it('the policy: one validation per single-valued node with its checks in a static message, quantified ones joined', () => {
    const schema = object({ a: { type: 'integer', minimum: 1 }, b: { type: 'string' }, l: { type: 'array', items: { type: 'integer', maximum: 3 } }, m: { type: 'object', additionalProperties: { type: 'string' } } }, { required: ['b'] });
    const result = generateAdmissionPolicy({ name: 'p', version: 'v1', openAPIV3Schema: schema, owner: { uid: 'u' } });
    if (!result.ok) throw new Error('refused');
    const policy = (result.policy.spec as { validations: Validation[] }).validations;
    expect(policy.map((x) => x.message)).toEqual(['spec.data.b: Required value', 'spec.data.a: must be of type integer; should be greater than or equal to 1', 'spec.data.b: must be of type string', 'spec.data.l: must be of type array', 'spec.data.m: must be of type object', 'spec.data: is invalid']);
    expect(policy.slice(0, 5).every((x) => x.messageExpression === undefined)).toBe(true);
    expect(policy[5]?.messageExpression).toMatch(/^\(!\(/);
    expect(policy[5]?.expression).toBe(validations(schema).filter((x) => x.joinable).map((x) => `(${x.expression})`).join(' && '));
  });
});

describe('refusals name the schema path', () => {
  const cases: [string, unknown, { path: string; message: RegExp }][] = [
    ['a transition rule', object({}, { 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] }), { path: 'openAPIV3Schema.x-kubernetes-validations[0].rule', message: /oldSelf/ }],
    ['a rule naming the admission environment', object({}, { 'x-kubernetes-validations': [{ rule: 'request.userInfo.username != ""' }] }), { path: 'openAPIV3Schema.x-kubernetes-validations[0].rule', message: /admission environment/ }],
    ['a rule reading an escaped property name', object({ 'a-b': { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'size(self) > 0' }] }), { path: 'openAPIV3Schema.x-kubernetes-validations[0].rule', message: /escapes/ }],
    ['a rule selecting an escaped property name', object({ 'a-b': { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: "self.a__dash__b != ''" }] }), { path: 'openAPIV3Schema.x-kubernetes-validations[0].rule', message: /a__dash__b, not a declared property/ }],
    ['a rule on a node without type', object({ any: { 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-validations': [{ rule: 'true' }] } }), { path: 'openAPIV3Schema.properties.any.x-kubernetes-validations[0].rule', message: /without a type/ }],
    ['a string format without an exact CEL equivalent', object({ u: { type: 'string', format: 'email' } }), { path: 'openAPIV3Schema.properties.u.format', message: /format "email" is not supported: .*mail address parser/ }],
    ['a lenient address format', object({ u: { 'x-kubernetes-int-or-string': true, format: 'ipv4' } }), { path: 'openAPIV3Schema.properties.u.format', message: /format "ipv4" is not supported: .*leading zeros/ }],
    ['JSON Schema 2020-12 const', object({ t: { type: 'string', const: 'x' } }), { path: 'openAPIV3Schema.properties.t.const', message: /const/ }],
    ['a branch that is not a value validation', object({ t: { type: 'string', oneOf: [{ type: 'string' }] } }), { path: 'openAPIV3Schema.properties.t.oneOf[0]', message: /only value validations/ }],
    ['numeric exclusiveMinimum', object({ n: { type: 'number', exclusiveMinimum: 0 } }), { path: 'openAPIV3Schema.properties.n', message: /booleans/ }],
    ['additionalProperties: false', object({ n: { type: 'string' } }, { additionalProperties: false }), { path: 'openAPIV3Schema.additionalProperties', message: /not a boolean/ }],
    ['uniqueItems', object({ l: { type: 'array', items: { type: 'string' }, uniqueItems: true } }), { path: 'openAPIV3Schema.properties.l.uniqueItems', message: /list-type: set/ }],
    ['an embedded resource', object({ r: { type: 'object', 'x-kubernetes-embedded-resource': true } }), { path: 'openAPIV3Schema.properties.r.x-kubernetes-embedded-resource', message: /not supported/ }],
    ['a fractional multipleOf', object({ n: { type: 'number', multipleOf: 0.5 } }), { path: 'openAPIV3Schema.properties.n.multipleOf', message: /integer/ }],
    ['a root that is not an object', { type: 'string' }, { path: 'openAPIV3Schema', message: /type object/ }],
  ];
  it.each(cases)('%s', (_name, schema, expected) => {
    expect(problems(schema)).toContainEqual({ path: expected.path, message: expect.stringMatching(expected.message) });
  });

  it('a schema nested past the depth limit', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) schema = object({ a: schema });
    expect(problems(schema)[0]?.message).toMatch(/deeper than 32/);
  });
});

describe('string formats', () => {
  // What the apiserver does with each (apiextensions-apiserver validation/formats.go at 1.37): the
  // verdicts themselves are compared with the apiserver's by the parity test (corpus formats-*.json).
  const checked = ['date', 'date-time', 'uuid', 'uuid3', 'uuid4', 'uuid5', 'hostname', 'k8s-short-name', 'k8s-long-name', 'uri', 'byte', 'hexcolor', 'rgbcolor', 'ssn', 'bsonobjectid'];
  const unchecked: [string, unknown][] = [['password', 'string'], ['made-up', 'string'], ['uuid', 'integer'], ['percent', 'number'], ['int32', 'integer'], ['date', 'boolean'], ['constructor', 'string'], ['toString', 'string'], ['hasOwnProperty', 'string'], ['__proto__', 'string']];
  const refused = ['email', 'ipv4', 'ipv6', 'cidr', 'mac', 'duration', 'isbn', 'isbn10', 'isbn13', 'creditcard'];
  const expressions = (property: Record<string, unknown>): string => {
    const result = generateAdmissionPolicy({ name: 'p', version: 'v1', openAPIV3Schema: object({ f: property }), owner: { uid: 'u' } });
    if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problems)}`);
    return JSON.stringify(result.policy.spec);
  };

  it.each(checked)('%s is checked in the policy', (format) => {
    const plain = expressions({ type: 'string' });
    const withFormat = expressions({ type: 'string', format });
    expect(withFormat).not.toBe(plain);
    expect(withFormat).toContain(`must be of type ${format}`);
  });
  it.each(unchecked)('%s on %s checks nothing, as the apiserver', (format, type) => {
    expect(expressions({ type, format })).toBe(expressions({ type }));
  });
  it.each(refused)('%s is refused, naming the keyword', (format) => {
    expect(problems(object({ f: { type: 'string', format } }))).toEqual([{ path: 'openAPIV3Schema.properties.f.format', message: expect.stringContaining(`format "${format}" is not supported`) }]);
  });
});

describe('the policy and binding', () => {
  const input = { name: 'payments', version: 'v2', openAPIV3Schema: object({}), owner: { uid: 'uid-9' } };

  it('match entries naming that version only, on create and update, and are owned by the ConfigSchema', () => {
    const result = generateAdmissionPolicy(input);
    if (!result.ok) throw new Error('refused');
    const spec = result.policy.spec as { matchConditions: { expression: string }[]; matchConstraints: { resourceRules: { operations: string[] }[] }; failurePolicy: string };
    expect(spec.matchConditions[0]?.expression).toBe('has(object.spec) && has(object.spec.schema) && object.spec.schema == "payments@v2"');
    expect(spec.matchConstraints.resourceRules[0]?.operations).toEqual(['CREATE', 'UPDATE']);
    expect(spec.failurePolicy).toBe('Fail');
    for (const o of [result.policy, result.binding]) {
      expect(o.metadata.name).toBe('cairn.dev.schema.payments.v2');
      expect(o.metadata.ownerReferences).toEqual([{ apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigSchema', name: 'payments', uid: 'uid-9', controller: true }]);
    }
    expect(result.binding.spec).toEqual({ policyName: 'cairn.dev.schema.payments.v2', validationActions: ['Deny'] });
  });

  it('a deprecated version warns, with its deprecation warning on every apply', () => {
    const result = generateAdmissionPolicy({ ...input, deprecated: true, deprecationWarning: 'use payments@v3' });
    if (!result.ok) throw new Error('refused');
    expect(result.binding.spec).toEqual({ policyName: 'cairn.dev.schema.payments.v2', validationActions: ['Warn'] });
    expect((result.policy.spec as { validations: Validation[] }).validations[0]).toMatchObject({ expression: 'false', message: 'use payments@v3' });
  });

  it('is deterministic', () => {
    expect(generateAdmissionPolicy(input)).toEqual(generateAdmissionPolicy(input));
  });

  it('names longer than a DNS subdomain are cut and keep a hash of the whole', () => {
    const long = policyName('x'.repeat(250), 'v1');
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(/^cairn\.dev\.schema\.x+\.[0-9a-f]{16}$/);
    expect(policyName('x'.repeat(250), 'v2')).not.toBe(long);
  });
});

describe('the bundle members policy', () => {
  const pool = object({ min: { type: 'integer', default: 0 }, max: { type: 'integer', default: 10 } }, { 'x-kubernetes-validations': [{ rule: 'self.min <= self.max', message: 'min must not exceed max', fieldPath: '.min' }] });
  const schema = object({ pool, port: { type: 'integer', maximum: 65535 }, l: { type: 'array', items: { type: 'integer', maximum: 3 } } }, { required: ['port'] });
  const entryPolicy = (extra: Partial<Parameters<typeof generateAdmissionPolicy>[0]> = {}) => generateAdmissionPolicy({ name: 'payments', version: 'v2', openAPIV3Schema: schema, owner: { uid: 'uid-9' }, ...extra });
  const specOf = (result: ReturnType<typeof generateAdmissionPolicy>) => {
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.policy.spec as { validations: Validation[]; variables: { name: string; expression: string }[]; matchConditions: { expression: string }[]; matchConstraints: { resourceRules: { resources: string[]; operations: string[] }[] } };
  };
  /** The entry policy's validations with every policy variable written out where it is read. */
  const entryValidations = (): Validation[] => {
    const spec = specOf(entryPolicy());
    const byName = new Map(spec.variables.map((v) => [v.name, v.expression]));
    const inline = (text: string): string => {
      const next = text.replace(/\bvariables\.(v\d+)\b/g, (_, name: string) => byName.get(name) ?? `variables.${name}`);
      return next === text ? text : inline(next);
    };
    return spec.validations.map((v) => ({ ...v, expression: inline(v.expression) }));
  };

  it('matches bundles (not entries) with a member naming the version, on create and update, under its own name', () => {
    const result = entryPolicy({ target: 'ConfigBundle' });
    const spec = specOf(result);
    expect(spec.matchConstraints.resourceRules[0]).toMatchObject({ resources: ['configbundles'], operations: ['CREATE', 'UPDATE'] });
    expect(spec.matchConditions[0]?.expression).toBe('has(object.spec) && has(object.spec.members) && object.spec.members.exists(member, member.schema == "payments@v2")');
    if (!result.ok) throw new Error('refused');
    expect(result.policy.metadata.name).toBe('cairn.dev.schema-members.payments.v2');
    expect(result.binding.spec).toEqual({ policyName: 'cairn.dev.schema-members.payments.v2', validationActions: ['Deny'] });
    expect(result.policy.metadata.labels).toMatchObject({ 'cairn.dev/schema': 'payments', 'cairn.dev/schema-version': 'v2' });
  });

  it("judges each member naming the version with the entry's checks on its data, as written for an entry", () => {
    const members = specOf(entryPolicy({ target: 'ConfigBundle' }));
    // Inside the member comprehension nothing can be a policy variable: the checks are written out.
    expect(members.variables).toEqual([]);
    const entry = entryValidations();
    expect(members.validations.map((v) => v.expression)).toEqual(
      entry.map((v) => `object.spec.members.all(member, !(member.schema == "payments@v2") || (${v.expression.replaceAll('object.spec.data', 'member.data')}))`),
    );
  });

  it('names the first failing member by key and index, then the field as the entry names it', () => {
    const members = specOf(entryPolicy({ target: 'ConfigBundle' })).validations;
    const entry = entryValidations();
    const port = members[entry.findIndex((v) => v.message === 'spec.data.port: Required value')];
    expect(port?.messageExpression).toMatch(/^\[object\.spec\.members\.filter\(member, member\.schema == "payments@v2" && !\(.*\)\)\[0\]\]\.map\(member, "member " \+ member\.key \+ " \(spec\.members\[" \+ string\(object\.spec\.members\.indexOf\(member\)\) \+ "\]\): spec\.members\[" \+ string\(object\.spec\.members\.indexOf\(member\)\) \+ "\]\." \+ "data\.port: Required value"\)\[0\]$/);
    expect(port?.message).toBe('spec.members[*].data.port: Required value');
    // A quantified check keeps its own message expression (naming the item), rooted at the member's data.
    const items = members.find((v) => v.message === 'spec.members[*].data.l[*]: is invalid');
    expect(items?.messageExpression).toContain('"data.l[" + string(dyn(member.data).l.indexOf(');
  });

  it('a deprecated version warns for bundle members too', () => {
    const result = entryPolicy({ target: 'ConfigBundle', deprecated: true, deprecationWarning: 'use payments@v3' });
    if (!result.ok) throw new Error('refused');
    expect(result.binding.spec).toEqual({ policyName: 'cairn.dev.schema-members.payments.v2', validationActions: ['Warn'] });
    expect(specOf(result).validations[0]).toMatchObject({ expression: 'false', message: 'use payments@v3' });
  });

  it('is refused exactly where the entry policy is', () => {
    const bad = object({}, { 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] });
    const refused = generateAdmissionPolicy({ name: 'p', version: 'v1', openAPIV3Schema: bad, owner: { uid: 'u' }, target: 'ConfigBundle' });
    expect(refused.ok ? [] : refused.problems).toEqual(problems(bad));
  });
});
