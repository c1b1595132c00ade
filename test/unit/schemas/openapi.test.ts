import { beforeAll, describe, expect, it } from 'vitest';
import type { SchemaEngine } from '../../../src/schemas/engine/engine.ts';
import { lookupSchema } from '../../../src/schemas/index.ts';
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
