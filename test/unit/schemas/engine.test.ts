import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonSchema, SchemaEngine } from '../../../src/schemas/engine/engine.ts';
import { MAX_SCHEMA_BYTES, MAX_SCHEMA_DEPTH } from '../../../src/schemas/engine/limits.ts';
import { loadTestEngine } from '../../support/engine.ts';

let engine: SchemaEngine;
beforeAll(async () => {
  engine = await loadTestEngine();
});

function compiled(schema: JsonSchema) {
  const result = engine.compile(schema);
  if (!result.ok) throw new Error(`refused: ${result.problems.map((p) => p.message).join('; ')}`);
  return result.schema;
}

function messagesOf(schema: JsonSchema, data: unknown): string[] {
  const result = compiled(schema).validate(data);
  // Sorted: the apiserver's own order of field errors varies (its validator walks Go maps).
  return result.ok ? [] : result.issues.map((i) => i.message).sort();
}

function problemsOf(schema: JsonSchema): string[] {
  const result = engine.compile(schema);
  return result.ok ? [] : result.problems.map((p) => p.message);
}

const server = {
  type: 'object',
  required: ['host'],
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 5432 },
    pool: {
      type: 'object',
      default: {},
      properties: { min: { type: 'integer', default: 0 }, max: { type: 'integer', default: 10 } },
      // Defaults are validated too, before nested defaults apply: the rule must allow absent fields.
      'x-kubernetes-validations': [{ rule: '(has(self.min) ? self.min : 0) <= (has(self.max) ? self.max : 10)', message: 'min must not exceed max' }],
    },
  },
};

describe('schema engine: values', () => {
  it('applies nested defaults and answers the defaulted value', () => {
    expect(compiled(server).validate({ host: 'db' })).toEqual({ ok: true, value: { host: 'db', port: 5432, pool: { min: 0, max: 10 } }, warnings: [] });
  });

  it('names the field as the apiserver does for a CRD whose spec.data has the schema', () => {
    const unchecked = '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
    expect(messagesOf(server, { host: 'db', port: 'x' })).toEqual([
      unchecked,
      'spec.data.port: Invalid value: "string": spec.data.port in body must be of type integer: "string"',
    ]);
    expect(messagesOf(server, { port: 70000 })).toEqual([
      unchecked,
      'spec.data.host: Required value',
      'spec.data.port: Invalid value: 70000: spec.data.port in body should be less than or equal to 65535',
    ]);
  });

  it('adds no "rules were not checked" error when the schema has no rules (the apiserver then has no CEL validator)', () => {
    const plain = { type: 'object', properties: { port: { type: 'integer' } } };
    expect(messagesOf(plain, { port: 'x' })).toEqual(['spec.data.port: Invalid value: "string": spec.data.port in body must be of type integer: "string"']);
  });

  it('evaluates CEL rules on integers (decoded as int64, as the apiserver decodes them)', () => {
    expect(messagesOf(server, { host: 'db', pool: { min: 30, max: 20 } })).toEqual(['spec.data.pool: Invalid value: min must not exceed max']);
  });

  it('prunes unknown fields and reports each as a warning', () => {
    expect(compiled(server).validate({ host: 'db', pasword: 'x', pool: { extra: 1 } })).toEqual({
      ok: true,
      value: { host: 'db', port: 5432, pool: { min: 0, max: 10 } },
      warnings: ['unknown field "spec.data.pasword"', 'unknown field "spec.data.pool.extra"'],
    });
  });

  it('refuses unknown fields with the strict decoding error alone when asked to (fieldValidation=Strict)', () => {
    const result = compiled(server).validate({ host: 42, zeta: 1, alpha: 2 }, 'Strict');
    expect(result).toEqual({ ok: false, issues: [{ path: '', type: 'StrictDecoding', message: 'strict decoding error: unknown field "spec.data.alpha", unknown field "spec.data.zeta"' }] });
  });

  it('evaluates messageExpression', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.n < 3', messageExpression: "self.n > 5 ? 'n is far too large' : 'n is too large'" }] };
    expect(messagesOf(schema, { n: 7 })).toEqual(['spec.data: Invalid value: n is far too large']);
    expect(messagesOf(schema, { n: 4 })).toEqual(['spec.data: Invalid value: n is too large']);
  });

  it('matches patterns with RE2: a pattern that backtracks exponentially in JavaScript answers at once', () => {
    // With a backtracking engine, (a+)+$ against 64 a's and a ! takes on the order of 2^64 steps; the
    // test finishing (inside vitest's timeout) is the proof that no backtracking happens.
    const schema = { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } };
    const hostile = `${'a'.repeat(64)}!`;
    expect(messagesOf(schema, { s: hostile })[0]).toMatch(/^spec\.data\.s: Invalid value: "a+!": spec\.data\.s in body should match '\^\(a\+\)\+\$'$/);
    const rule = { type: 'object', properties: { s: { type: 'string', maxLength: 100 } }, 'x-kubernetes-validations': [{ rule: "self.s.matches('^(a+)+$')" }] };
    expect(messagesOf(rule, { s: hostile })).toHaveLength(1);
  });
});

describe('schema engine: schemas', () => {
  it('refuses a schema that is not structural, with the apiserver message rooted at openAPIV3Schema', () => {
    expect(problemsOf({ type: 'object', properties: { a: { properties: { b: { type: 'string' } } } } })).toEqual([
      'openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields',
    ]);
  });

  it('refuses a CEL rule that does not compile, naming the rule', () => {
    const [problem] = problemsOf({ type: 'object', properties: { n: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.m > 1' }] });
    expect(problem).toMatch(/^openAPIV3Schema\.x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed/);
  });

  it('refuses a rule whose estimated cost exceeds the apiserver limit', () => {
    const unbounded = { type: 'object', properties: { xs: { type: 'array', items: { type: 'array', items: { type: 'string' } } } }, 'x-kubernetes-validations': [{ rule: 'self.xs.all(x, x.all(y, y.all(z, z == "a")) )' }] };
    const costly = { type: 'object', properties: { xs: { type: 'array', items: { type: 'array', items: { type: 'string' } } } }, 'x-kubernetes-validations': [{ rule: 'self.xs.all(x, self.xs.all(y, x.all(a, y.all(b, a == b))))' }] };
    expect(problemsOf(unbounded).join('\n')).toMatch(/x-kubernetes-validations\[0\]\.rule/);
    expect(problemsOf(costly).join('\n')).toMatch(/estimated rule cost exceeds budget/);
  });

  it('refuses a transition rule (oldSelf), naming the rule: values are validated without their previous version', () => {
    const [problem] = problemsOf({ type: 'object', properties: { n: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.n >= oldSelf.n' }] });
    expect(problem).toContain('openAPIV3Schema.x-kubernetes-validations[0].rule: Forbidden: transition rule "self.n >= oldSelf.n" refers to oldSelf');
  });

  it('refuses a field the dialect does not have (the schema is decoded strictly)', () => {
    expect(problemsOf({ type: 'object', propertys: {} })).toEqual(['openAPIV3Schema: unknown field "propertys"']);
  });

  it(`refuses a schema over ${MAX_SCHEMA_BYTES} bytes or nested deeper than ${MAX_SCHEMA_DEPTH} levels before compiling it`, () => {
    const wide = { type: 'object', properties: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`field${i}`, { type: 'string' }])) };
    expect(problemsOf(wide)[0]).toMatch(/^openAPIV3Schema: is \d+ bytes as JSON, more than the limit of 262144 bytes$/);
    let deep: JsonSchema = { type: 'string' };
    for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { a: deep } };
    expect(problemsOf(deep)).toEqual([`openAPIV3Schema: nests deeper than ${MAX_SCHEMA_DEPTH} levels`]);
  });

  it('keeps compiled schemas apart and refuses a released one', () => {
    const first = compiled(server);
    const second = compiled({ type: 'object', properties: { n: { type: 'integer' } } });
    expect(second.validate({ n: 1 }).ok).toBe(true);
    first.release();
    expect(second.validate({ n: 1 }).ok).toBe(true);
    const released = first.validate({ host: 'db' });
    expect(released.ok ? [] : released.issues.map((i) => i.message)).toEqual(['no compiled schema has this handle (released?)']);
  });
});
