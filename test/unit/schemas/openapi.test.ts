import { beforeAll, describe, expect, it } from 'vitest';
import type { SchemaEngine } from '../../../src/schemas/engine/engine.ts';
import { EMBEDDED_LABEL } from '../../../src/api/names.ts';
import { generateAdmissionPolicy } from '../../../src/schemas/admission/index.ts';
import { embeddedConfigSchemas } from '../../../src/schemas/embedded-config-schemas.ts';
import { lookupSchema, schemaIds } from '../../../src/schemas/index.ts';
import { exportOpenAPIV3Schema } from '../../../src/schemas/json-schema.ts';
import { toOpenAPIV3 } from '../../../src/schemas/openapi.ts';
import { loadTestEngine } from '../../support/engine.ts';

let engine: SchemaEngine;
beforeAll(async () => {
  engine = await loadTestEngine();
});

describe('embedded schemas as openAPIV3Schema', () => {
  it.each(['database@v1', 'service-endpoints@v1'])('%s compiles in the engine and gives its example the defaults zod gives it', (id) => {
    const definition = lookupSchema(id)!;
    const compiled = engine.compile(exportOpenAPIV3Schema(id));
    if (!compiled.ok) throw new Error(compiled.problems.map((p) => p.message).join('; '));
    const result = compiled.schema.validate(definition.example);
    expect(result).toEqual({ ok: true, value: definition.schema.parse(definition.example), warnings: [] });
  });

  it('rewrites what a structural schema cannot carry into what means the same to a CRD', () => {
    expect(
      toOpenAPIV3({
        $schema: 'x',
        title: 't',
        type: 'object',
        additionalProperties: false,
        properties: { rate: { type: 'number', exclusiveMinimum: 0 }, kind: { type: 'string', const: 'a' } },
      }),
    ).toEqual({ type: 'object', properties: { rate: { type: 'number', minimum: 0, exclusiveMinimum: true }, kind: { type: 'string', enum: ['a'] } } });
  });

  it("turns a record's key syntax (propertyNames) into a CEL rule that the engine evaluates", () => {
    const schema = toOpenAPIV3({ type: 'object', maxProperties: 4, propertyNames: { type: 'string', maxLength: 5, pattern: '^[a-z]+$' }, additionalProperties: { type: 'integer' } });
    const compiled = engine.compile(schema);
    if (!compiled.ok) throw new Error(compiled.problems.map((p) => p.message).join('; '));
    expect(compiled.schema.validate({ abc: 1 }).ok).toBe(true);
    const refused = compiled.schema.validate({ Abc: 1 });
    expect(refused.ok ? [] : refused.issues.map((i) => i.message)).toEqual(['spec.data: Invalid value: every key must match ^[a-z]+$ and have at most 5 characters']);
  });

  it('throws on what it cannot express faithfully', () => {
    expect(() => toOpenAPIV3({ anyOf: [{ type: 'string' }, { type: 'integer' }] })).toThrow("'anyOf' cannot be expressed in a structural schema");
  });
});

describe('the embedded schemas as ConfigSchemas', () => {
  const all = embeddedConfigSchemas();
  const versions = [...all].flatMap(([name, cs]) => cs.spec.versions.map((v) => ({ id: `${name}@${v.name}`, name, v })));

  it('lists every embedded id once, one ConfigSchema per name, labelled as embedded', () => {
    expect(versions.map((x) => x.id).sort()).toEqual(schemaIds());
    expect([...all.keys()]).toEqual(['database', 'feature-flags', 'rate-limits', 'service-endpoints']);
    for (const cs of all.values()) expect(cs.metadata.labels).toEqual({ [EMBEDDED_LABEL]: 'true' });
    expect(all.get('feature-flags')?.spec.versions.map((v) => [v.name, v.deprecated])).toEqual([['v1', true], ['v2', false]]);
  });

  it.each(versions.map((x) => [x.id, x] as const))('%s compiles in the engine and the admission policy generator translates it', (_, { name, v }) => {
    const compiled = engine.compile(v.schema.openAPIV3Schema);
    expect(compiled.ok ? 'ok' : compiled.problems.map((p) => p.message)).toBe('ok');
    const generated = generateAdmissionPolicy({ name, version: v.name, openAPIV3Schema: v.schema.openAPIV3Schema, deprecated: v.deprecated, ...(v.deprecationWarning ? { deprecationWarning: v.deprecationWarning } : {}), owner: { uid: 'uid' } });
    expect(generated.ok ? 'ok' : generated.problems).toBe('ok');
  });

  it.each(versions.filter((x) => lookupSchema(x.id)?.notStructural === undefined).map((x) => [x.id, x] as const))(
    '%s: the engine gives its example the defaulted value zod gives it, and refuses an unknown field as zod does (Strict)',
    (id, { v }) => {
      const definition = lookupSchema(id)!;
      const compiled = engine.compile(v.schema.openAPIV3Schema);
      if (!compiled.ok) throw new Error('does not compile');
      expect(compiled.schema.validate(definition.example, 'Strict')).toEqual({ ok: true, value: definition.schema.parse(definition.example), warnings: [] });
      expect(definition.schema.safeParse({ ...definition.example, typo: 1 }).success).toBe(false);
      expect(compiled.schema.validate({ ...definition.example, typo: 1 }, 'Strict')).toMatchObject({ ok: false, issues: [{ type: 'StrictDecoding' }] });
    },
  );

  it('lists feature-flags@v1 with its variant values untyped and without the rules that read them: zod judges it', () => {
    const v1 = all.get('feature-flags')?.spec.versions[0]?.schema.openAPIV3Schema as { properties: { flags: { additionalProperties: Record<string, unknown> & { properties: { variants: unknown } } } } };
    const flag = v1.properties.flags.additionalProperties;
    expect(flag.properties.variants).toEqual({ type: 'object', description: 'Named values this flag can take.', additionalProperties: { 'x-kubernetes-preserve-unknown-fields': true } });
    expect(flag['x-kubernetes-validations']).toBeUndefined();
    expect(lookupSchema('feature-flags@v1')?.notStructural?.untypedMap).toBe('variants');
  });

  it('says the same route twice is refused in rate-limits@v1 as the apiserver says it: a list map keyed by route', () => {
    const compiled = engine.compile(exportOpenAPIV3Schema('rate-limits@v1'));
    if (!compiled.ok) throw new Error('does not compile');
    const route = { route: '/a', requestsPerSecond: 1, burst: 1 };
    expect(compiled.schema.validate({ routes: [route, route] })).toMatchObject({ ok: false, issues: [{ path: 'spec.data.routes[1]', type: 'FieldValueDuplicate' }] });
    expect(lookupSchema('rate-limits@v1')?.schema.safeParse({ routes: [route, route] }).success).toBe(false);
  });
});

