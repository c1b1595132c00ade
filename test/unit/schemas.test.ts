import { describe, expect, it } from 'vitest';
import { SCHEMA_ID_PATTERN } from '../../src/api/names.ts';
import { lookupSchema, registry, schemaIds } from '../../src/schemas/index.ts';
import { exportAllJsonSchemas, exportJsonSchema } from '../../src/schemas/json-schema.ts';

describe('schema registry', () => {
  it('holds the embedded schemas, sorted by id', () => {
    expect(schemaIds()).toEqual(['database@v1', 'feature-flags@v1', 'feature-flags@v2', 'rate-limits@v1', 'service-endpoints@v1']);
  });

  it.each([...registry.values()].map((d) => [d.id, d] as const))('%s has a valid id, a description and a valid example', (id, d) => {
    expect(id).toMatch(new RegExp(SCHEMA_ID_PATTERN));
    expect(d.description.length).toBeGreaterThan(20);
    expect(d.schema.safeParse(d.example).success).toBe(true);
    expect(lookupSchema(id)).toBe(d);
  });

  it('knows nothing else', () => {
    expect(lookupSchema('database@v2')).toBeUndefined();
  });
});

describe('exportJsonSchema', () => {
  it.each(schemaIds())('exports %s as a draft 2020-12 JSON Schema of the input', (id) => {
    const schema = exportJsonSchema(id);
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `https://cairn.dev/schemas/${id}.json`,
      title: id,
      type: 'object',
      additionalProperties: false,
    });
  });

  it('keeps defaults out of required and carries cross-field rules as CEL', () => {
    const schema = exportJsonSchema('database@v1') as { required: string[]; properties: Record<string, Record<string, unknown>> };
    expect(schema.required).toEqual(['host', 'database', 'user']);
    expect(schema.properties.port).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535, default: 5432 });
    expect(schema.properties.pool?.['x-kubernetes-validations']).toEqual([
      { rule: '(has(self.min) ? self.min : 0) <= (has(self.max) ? self.max : 10)', message: 'must not be greater than pool.max', fieldPath: '.min' },
    ]);
  });

  it('exports every schema at once and refuses unknown ids', () => {
    expect(Object.keys(exportAllJsonSchemas())).toEqual(schemaIds());
    expect(() => exportJsonSchema('nope@v1')).toThrow('unknown schema "nope@v1"');
  });
});
