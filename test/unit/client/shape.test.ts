import { describe, expect, it } from 'vitest';
import { conforms, describeProblem, shapeProblems } from '../../../src/client/shape.ts';

const payments = {
  type: 'object',
  required: ['currency'],
  properties: {
    currency: { type: 'string', enum: ['EUR', 'USD'] },
    retries: { type: 'integer', minimum: 0, maximum: 10, default: 3 },
    ratio: { type: 'number' },
    enabled: { type: 'boolean' },
    note: { type: 'string', nullable: true },
    port: { 'x-kubernetes-int-or-string': true },
    tags: { type: 'array', items: { type: 'string' } },
    limits: { type: 'object', additionalProperties: { type: 'integer' } },
    extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    open: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
  },
  'x-kubernetes-validations': [{ rule: 'self.retries <= 5', message: 'not checked by readers' }],
};

describe('shapeProblems against a structural schema', () => {
  it.each([
    ['the smallest value', { currency: 'EUR' }],
    ['every field', { currency: 'USD', retries: 3, ratio: 0.5, enabled: true, note: null, port: 'http', tags: ['a'], limits: { x: 1 }, extra: { any: [1, { b: 2 }] }, open: { a: 'x', other: 1 } }],
    ['an integer where a number is declared', { currency: 'EUR', ratio: 2 }],
    ['an int-or-string as an integer', { currency: 'EUR', port: 8080 }],
    ['a value outside a CEL rule and a bound (not the reader’s to judge)', { currency: 'EUR', retries: 99 }],
  ])('accepts %s', (_, value) => {
    expect(shapeProblems(payments, value)).toEqual([]);
    expect(conforms(payments, value)).toBe(true);
  });

  it.each([
    ['a missing required field', {}, [{ path: '.currency', message: 'is required' }]],
    ['a value outside the enum', { currency: 'GBP' }, [{ path: '.currency', message: 'must be one of "EUR", "USD", got "GBP"' }]],
    ['a string for an integer', { currency: 'EUR', retries: '3' }, [{ path: '.retries', message: 'must be an integer, got string "3"' }]],
    ['a fraction for an integer', { currency: 'EUR', retries: 1.5 }, [{ path: '.retries', message: 'must be an integer, got number 1.5' }]],
    ['null where not nullable', { currency: 'EUR', ratio: null }, [{ path: '.ratio', message: 'must not be null' }]],
    ['a field the schema does not declare', { currency: 'EUR', surprise: 1 }, [{ path: '.surprise', message: 'is not a field of the schema' }]],
    ['a wrong list item', { currency: 'EUR', tags: ['a', 2] }, [{ path: '.tags[1]', message: 'must be a string, got integer 2' }]],
    ['a wrong map value', { currency: 'EUR', limits: { x: 'many' } }, [{ path: '.limits.x', message: 'must be an integer, got string "many"' }]],
    ['a boolean for an int-or-string', { currency: 'EUR', port: true }, [{ path: '.port', message: 'must be an integer or a string, got boolean' }]],
    ['a wrong declared field of an open object', { currency: 'EUR', open: { a: 1 } }, [{ path: '.open.a', message: 'must be a string, got integer 1' }]],
    ['an array for the object', [], [{ path: '', message: 'must be an object, got array []' }]],
  ])('refuses %s', (_, value, problems) => {
    expect(shapeProblems(payments, value)).toEqual(problems);
    expect(conforms(payments, value)).toBe(false);
  });

  it('reports at most ten problems', () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, 1]));
    expect(shapeProblems({ type: 'object', properties: {} }, many)).toHaveLength(10);
  });

  it('accepts anything under a node without a type', () => {
    expect(shapeProblems({}, { a: [1, 'b'] })).toEqual([]);
  });

  it('describes a problem on one line, the value itself as (value)', () => {
    expect(describeProblem({ path: '.a[1]', message: 'is required' })).toBe('.a[1]: is required');
    expect(describeProblem({ path: '', message: 'must not be null' })).toBe('(value): must not be null');
  });
});
