import { describe, expect, it } from 'vitest';
import { splitSchemaId } from '../../../src/api/names.ts';
import { declaredSchema, parsePublishedSchema, PublishedSchemaCache } from '../../../src/client/declared.ts';
import { database, embeddedProblem } from '../../../src/client/embedded.ts';
import { publishedValue } from '../../../src/domain/plan-schema.ts';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';

describe('splitSchemaId', () => {
  it.each([
    ['payments@v1', { name: 'payments', version: 'v1' }],
    ['my-schema@v12', { name: 'my-schema', version: 'v12' }],
    ['payments', undefined],
    ['payments@1', undefined],
    ['Payments@v1', undefined],
    ['../x@v1', undefined],
  ])('%s -> %j', (id, expected) => {
    expect(splitSchemaId(id)).toEqual(expected);
  });
});

describe('parsePublishedSchema', () => {
  it('reads what the operator publishes (plan-schema.ts publishedValue)', () => {
    const stored = publishedValue({ name: 'payments', version: 'v1', deprecated: true, deprecationWarning: 'use v2', openAPIV3Schema: { type: 'object' } });
    expect(parsePublishedSchema(stored)).toEqual({ id: 'payments@v1', name: 'payments', version: 'v1', deprecated: true, deprecationWarning: 'use v2', openAPIV3Schema: { type: 'object' } });
  });

  it.each([['not json'], ['{}'], ['{"id":"a@v1","name":"a","version":"v1","deprecated":false}']])('refuses %s', (value) => {
    expect(parsePublishedSchema(value)).toBeUndefined();
  });
});

describe('PublishedSchemaCache', () => {
  const schema = (id: string) => ({ id, name: id.split('@')[0] as string, version: 'v1', deprecated: false, openAPIV3Schema: {} });

  it('holds at most its limit, dropping the one stored longest ago', () => {
    const cache = new PublishedSchemaCache(2);
    cache.set(schema('a@v1'));
    cache.set(schema('b@v1'));
    cache.set(schema('a@v1')); // stored again: now the newest
    cache.set(schema('c@v1'));
    expect([cache.get('a@v1')?.id, cache.get('b@v1')?.id, cache.get('c@v1')?.id]).toEqual(['a@v1', undefined, 'c@v1']);
  });
});

describe('ValueSchemas', () => {
  it('a declared schema’s guard checks the shape', () => {
    const payments = declaredSchema<{ currency: string }>('payments@v1', { type: 'object', required: ['currency'], properties: { currency: { type: 'string' } } });
    expect(payments.id).toBe('payments@v1');
    expect(payments.is({ currency: 'EUR' })).toBe(true);
    expect(payments.is({ currency: 1 })).toBe(false);
  });

  it('an embedded schema’s guard is its zod schema: cross-field rules included', () => {
    const stored = databaseDefinition.schema.parse(databaseDefinition.example);
    expect(database.id).toBe('database@v1');
    expect(database.is(stored)).toBe(true);
    expect(database.is({ ...stored, pool: { ...stored.pool, min: 50, max: 10 } })).toBe(false);
  });

  it('embeddedProblem names the first problem, or says the id is not embedded', () => {
    const stored = databaseDefinition.schema.parse(databaseDefinition.example);
    expect(embeddedProblem('database@v1', stored)).toBeUndefined();
    expect(embeddedProblem('database@v1', { ...stored, port: 'x' })).toMatch(/^\.port: /);
    expect(embeddedProblem('payments@v1', {})).toBe('unknown');
  });
});
