import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DATA_BYTES } from '../../src/api/names.ts';
import { sha256 } from '../../src/domain/canonical.ts';
import { type SchemaLookup, validateData } from '../../src/domain/validate.ts';
import type { CompiledSchema } from '../../src/schemas/engine/engine.ts';
import { registry } from '../../src/schemas/index.ts';

const options = { maxBytes: DEFAULT_MAX_DATA_BYTES };
const db = { host: 'db', database: 'd', user: 'u' };
const endpoint = { name: 'a', url: 'http://x' };
const flag = (extra: Record<string, unknown>) => ({ flags: { x: { type: 'boolean', variants: { on: true, off: false }, defaultVariant: 'on', ...extra } } });

describe('validateData: valid payloads', () => {
  it.each([...registry.values()].map((d) => [d.id, d.example] as const))('accepts the example of %s', (id, example) => {
    const result = validateData(id, example, options);
    expect(result.ok).toBe(true);
  });

  it('applies defaults and stores canonical JSON with its hash', () => {
    const result = validateData('database@v1', { user: 'u', host: 'db', database: 'd' }, options);
    const canonical =
      '{"database":"d","host":"db","pool":{"idleTimeoutSeconds":300,"max":10,"min":0},"port":5432,' +
      '"sslMode":"verify-full","timeouts":{"connectMs":5000,"statementMs":30000},"user":"u"}';
    expect(result).toEqual({
      ok: true,
      schema: 'database@v1',
      value: JSON.parse(canonical),
      canonical,
      dataHash: sha256(canonical),
      bytes: canonical.length,
      pruned: [],
    });
  });

  it.each([
    ['feature-flags@v1', { flags: { n: { type: 'number', variants: { low: 1, high: 2.5 }, defaultVariant: 'low' } } }],
    ['feature-flags@v1', { flags: {} }],
    ['rate-limits@v1', { routes: [{ route: '/static/*', requestsPerSecond: 0.5, burst: 1 }] }],
    ['service-endpoints@v1', { endpoints: [endpoint], timeouts: { connectMs: 10000 } }],
    ['database@v1', { ...db, timeouts: { connectMs: 60000, statementMs: 0 } }],
  ])('accepts %s %j', (id, data) => {
    expect(validateData(id, data, options).ok).toBe(true);
  });
});

describe('validateData: messages for people', () => {
  it.each([
    // database@v1
    ['database@v1', { ...db, port: '5432' }, 'data.port: expected number, got string "5432"'],
    ['database@v1', { ...db, port: 70000 }, 'data.port: must be at most 65535, got 70000'],
    ['database@v1', { ...db, port: 54.5 }, 'data.port: expected integer, got number 54.5'],
    ['database@v1', { database: 'd', user: 'u' }, 'data.host: required'],
    [
      'database@v1',
      { ...db, sslMode: 'on' },
      'data.sslMode: must be one of "disable", "allow", "prefer", "require", "verify-ca", "verify-full", got string "on"',
    ],
    ['database@v1', { ...db, pool: { min: 30, max: 20 } }, 'data.pool.min: must not be greater than pool.max'],
    ['database@v1', { ...db, pasword: 'x' }, 'data: unknown field "pasword"'],
    [
      'database@v1',
      { ...db, timeouts: { connectMs: 60000, statementMs: 1000 } },
      'data.timeouts.connectMs: must not be greater than timeouts.statementMs (unless statementMs is 0)',
    ],
    // feature-flags@v1
    ['feature-flags@v1', flag({ defaultVariant: 'maybe' }), 'data.flags.x.defaultVariant: must name one of the variants'],
    [
      'feature-flags@v1',
      flag({ type: 'bool' }),
      'data.flags.x.type: must be one of "boolean", "string", "number", got string "bool"',
    ],
    ['feature-flags@v1', flag({ type: 'string' }), 'data.flags.x.variants.on: expected string, got boolean true; data.flags.x.variants.off: expected string, got boolean false'],
    [
      'feature-flags@v1',
      flag({ rollout: [{ variant: 'on', percentage: 60 }, { variant: 'off', percentage: 30 }] }),
      'data.flags.x.rollout: rollout percentages must add up to 100',
    ],
    [
      'feature-flags@v1',
      flag({ rollout: [{ variant: 'other', percentage: 100 }] }),
      'data.flags.x.rollout: every rollout variant must name one of the variants',
    ],
    [
      'feature-flags@v1',
      { flags: { 'Bad Name': { type: 'boolean', variants: { on: true }, defaultVariant: 'on' } } },
      'data.flags["Bad Name"]: invalid name: must be lower-case letters, digits, - or _, starting and ending with a letter or digit, got string "Bad Name"',
    ],
    // rate-limits@v1
    ['rate-limits@v1', { routes: [{ route: '/a', requestsPerSecond: 100, burst: 50 }] }, 'data.routes[0].burst: must be at least requestsPerSecond'],
    ['rate-limits@v1', { routes: [] }, 'data.routes: must have at least 1 item'],
    [
      'rate-limits@v1',
      { routes: [{ route: '/a', requestsPerSecond: 0, burst: 1 }] },
      'data.routes[0].requestsPerSecond: must be greater than 0, got 0',
    ],
    [
      'rate-limits@v1',
      { routes: [{ route: 'a', requestsPerSecond: 1, burst: 1, methods: ['FETCH'] }] },
      `data.routes[0].route: must be a path pattern starting with '/', got string "a"; ` +
        'data.routes[0].methods[0]: must be one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", got string "FETCH"',
    ],
    [
      'rate-limits@v1',
      { routes: [{ route: '/a', requestsPerSecond: 1, burst: 1 }, { route: '/a', requestsPerSecond: 2, burst: 2 }] },
      'data.routes: must not list the same route twice',
    ],
    [
      'rate-limits@v1',
      { routes: [{ route: '/a', requestsPerSecond: 1, burst: 1, methods: ['GET', 'GET'] }] },
      'data.routes[0].methods: must not list a method twice',
    ],
    // service-endpoints@v1
    ['service-endpoints@v1', { endpoints: [{ name: 'a', url: 'ftp://x' }] }, 'data.endpoints[0].url: must be an http or https URL, got string "ftp://x"'],
    [
      'service-endpoints@v1',
      { endpoints: [endpoint], timeouts: { connectMs: 5000, requestMs: 1000 } },
      'data.timeouts.connectMs: must not be greater than timeouts.requestMs',
    ],
    [
      'service-endpoints@v1',
      { endpoints: [endpoint], retries: { attempts: 11, backoff: { initialMs: 5000, maxMs: 100 } } },
      'data.retries.attempts: must be at most 10, got 11; data.retries.backoff.initialMs: must not be greater than backoff.maxMs',
    ],
    ['service-endpoints@v1', { endpoints: [{ ...endpoint, weight: 0 }] }, 'data.endpoints: at least one endpoint must have a weight above 0'],
    ['service-endpoints@v1', { endpoints: 'http://x' }, 'data.endpoints: expected array, got string "http://x"'],
    ['service-endpoints@v1', { endpoints: [endpoint, endpoint] }, 'data.endpoints: must not use the same endpoint name twice'],
  ])('%s %j -> %s', (id, data, message) => {
    expect(validateData(id, data, options)).toEqual({ ok: false, reason: 'InvalidData', message, issues: message.split('; ') });
  });

  it('names unknown schemas and lists the known ones', () => {
    const known = 'known schemas: database@v1, feature-flags@v1, feature-flags@v2, rate-limits@v1, service-endpoints@v1';
    expect(validateData('databse@v1', db, options)).toMatchObject({
      ok: false,
      reason: 'UnknownSchema',
      message: `spec.schema: no schema "databse@v1" is embedded in this operator or declared by a ConfigSchema; ${known}`,
    });
    expect(validateData('Database', db, options)).toMatchObject({
      reason: 'UnknownSchema',
      message: `spec.schema: "Database" is not a schema id of the form name@vN; ${known}`,
    });
  });

  it('rejects data over the size limit, counting canonical bytes', () => {
    const result = validateData('database@v1', db, { maxBytes: 100 });
    expect(result).toMatchObject({
      ok: false,
      reason: 'DataTooLarge',
      message: 'data: is 176 bytes as canonical JSON, more than the limit of 100 bytes (0.1 KiB)',
    });
  });

  it('lists at most ten issues and counts the rest', () => {
    const routes = Array.from({ length: 12 }, (_, i) => ({ route: `/r${i}`, requestsPerSecond: 2, burst: 1 }));
    const result = validateData('rate-limits@v1', { routes }, options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(12);
    expect(result.message.endsWith('; and 2 more')).toBe(true);
  });

  it('never throws, whatever the input', () => {
    for (const data of [null, undefined, 42, 'x', [], { flags: null }, { __proto__: { a: 1 } }]) {
      for (const id of registry.keys()) expect(() => validateData(id, data, options)).not.toThrow();
    }
  });
});

describe('validateData for a declared schema (an id no embedded schema has)', () => {
  const compiled = (result: ReturnType<CompiledSchema['validate']>): CompiledSchema => ({ validate: () => result, release: () => {} });
  const options = (lookup: SchemaLookup) => ({ maxBytes: 1024, engineSchemas: () => lookup });

  it.each([
    ['unknown to the registry', { kind: 'unknown' } as const, 'UnknownSchema', 'no schema "pay@v1" is embedded in this operator or declared by a ConfigSchema'],
    ['unknown, and why (no engine)', { kind: 'unknown', why: 'and it runs without the schema engine' } as const, 'UnknownSchema', 'spec.schema: no schema "pay@v1" is embedded in this operator and it runs without the schema engine; known schemas: '],
    ['declared but not Ready', { kind: 'notReady', message: 'ConfigSchema pay is not Ready yet' } as const, 'SchemaNotReady', 'spec.schema: ConfigSchema pay is not Ready yet'],
    [
      'Ready, and the engine refuses the data',
      { kind: 'ready', schema: compiled({ ok: false, issues: [{ path: 'spec.data.n', type: 'FieldValueInvalid', message: 'spec.data.n: Invalid value: "x": must be integer' }] }) } as const,
      'InvalidData',
      'spec.data.n: Invalid value: "x": must be integer',
    ],
  ])('%s: %s', (_, lookup, reason, message) => {
    const result = validateData('pay@v1', { n: 'x' }, options(lookup));
    expect(result).toMatchObject({ ok: false, reason });
    expect(result.ok ? '' : result.message).toContain(message);
  });

  it('stores the engine\'s defaulted value as canonical JSON', () => {
    const result = validateData('pay@v1', { n: 1 }, options({ kind: 'ready', schema: compiled({ ok: true, value: { n: 1, m: 'default' }, warnings: [] }) }));
    expect(result).toMatchObject({ ok: true, schema: 'pay@v1', canonical: '{"m":"default","n":1}' });
  });

  it('judges an embedded id by the engine when the engine is loaded, in its default unknown-fields mode (pruned, as for a declared id: one path for all data)', () => {
    const calls: unknown[][] = [];
    const schema: CompiledSchema = { validate: (...args) => (calls.push(args), { ok: true, value: { port: 1 }, warnings: [] }), release: () => {} };
    // Data zod would refuse: only the engine's verdict counts.
    const result = validateData('database@v1', { port: 'x' }, options({ kind: 'ready', schema }));
    expect(result).toMatchObject({ ok: true, canonical: '{"port":1}' });
    expect(calls).toEqual([[{ port: 'x' }]]);
  });

  it('names the fields the engine pruned, sorted, as paths: the engine\'s warnings are the only source', () => {
    const warnings = ['unknown field "spec.data.zeta"', 'unknown field "spec.data.pool.mx"', 'unknown field "spec.data.prot"'];
    const result = validateData('pay@v1', { prot: 1 }, options({ kind: 'ready', schema: compiled({ ok: true, value: { port: 5432 }, warnings }) }));
    expect(result).toMatchObject({ ok: true, pruned: ['spec.data.pool.mx', 'spec.data.prot', 'spec.data.zeta'] });
  });

  it('names no pruned field when the engine warns of none, nor when zod judges (strict: refused, never pruned)', () => {
    expect(validateData('pay@v1', { n: 1 }, options({ kind: 'ready', schema: compiled({ ok: true, value: { n: 1 }, warnings: [] }) }))).toMatchObject({ ok: true, pruned: [] });
    expect(validateData('database@v1', db, options({ kind: 'unknown' }))).toMatchObject({ ok: true, pruned: [] });
  });

  it('judges feature-flags@v1 by zod even when the engine is loaded: it has no exact structural form', () => {
    const result = validateData('feature-flags@v1', { flags: {} }, { maxBytes: 1024, engineSchemas: () => { throw new Error('consulted'); } });
    expect(result.ok).toBe(true);
  });

  it('judges an embedded id by zod when the engine does not know it (an operator without the engine)', () => {
    const result = validateData('database@v1', { ...db, port: 'x' }, options({ kind: 'unknown', why: 'and it runs without the schema engine' }));
    expect(result).toMatchObject({ ok: false, reason: 'InvalidData', message: 'data.port: expected number, got string "x"' });
  });
});
