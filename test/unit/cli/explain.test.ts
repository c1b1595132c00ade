import { describe, expect, it } from 'vitest';
import { constraintsOf, findField, splitExplainTarget, typeName } from '../../../src/cli/schemas/explain.ts';

const SCHEMA = {
  type: 'object',
  required: ['routes'],
  properties: {
    routes: { type: 'array', items: { type: 'object', required: ['route'], properties: { route: { type: 'string' }, burst: { type: 'integer', minimum: 1 } } } },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    limits: { type: 'object', additionalProperties: { type: 'object', properties: { max: { type: 'integer', default: 5 } } } },
    port: { 'x-kubernetes-int-or-string': true },
    blob: { 'x-kubernetes-preserve-unknown-fields': true },
  },
};

describe('explain targets', () => {
  const cases: [string, { id: string; path: string[] }][] = [
    ['database@v1', { id: 'database@v1', path: [] }],
    ['database@v1.pool.max', { id: 'database@v1', path: ['pool', 'max'] }],
    ['database@v1.', { id: 'database@v1', path: [] }],
  ];
  for (const [target, expected] of cases) it(target, () => expect(splitExplainTarget(target)).toEqual(expected));
});

describe('fields by path', () => {
  const cases: [string[], unknown][] = [
    [[], { ok: true, required: false }],
    [['routes'], { ok: true, required: true }],
    [['routes', 'route'], { ok: true, required: true }],
    [['routes', 'burst'], { ok: true, required: false }],
    [['limits', 'max'], { ok: true, required: false }],
    [['routes', 'nope'], { ok: false, message: 'field "nope" does not exist in routes; its fields: route, burst' }],
    [['labels', 'x'], { ok: false, message: 'field "x" does not exist in labels; it has no fields' }],
  ];
  for (const [path, expected] of cases) {
    it(`${path.join('.') || '(root)'}`, () => {
      const found = findField(SCHEMA, path);
      expect(found.ok ? { ok: true, required: found.required } : found).toEqual(expected);
    });
  }
});

describe('kubectl type names and constraints', () => {
  const p = SCHEMA.properties;
  const types: [unknown, string][] = [[SCHEMA, 'Object'], [p.routes, '[]Object'], [p.labels, 'map[string]string'], [p.limits, 'map[string]Object'], [p.port, 'int-or-string'], [p.blob, 'any'], [{ type: 'array', items: { type: 'string' } }, '[]string']];
  for (const [node, name] of types) it(`<${name}>`, () => expect(typeName(node as Record<string, unknown>)).toBe(name));

  const constraints: [Record<string, unknown>, string][] = [
    [{ type: 'integer', default: 5432, minimum: 1, maximum: 65535 }, 'default: 5432; minimum: 1; maximum: 65535'],
    [{ type: 'number', minimum: 0, exclusiveMinimum: true }, 'greater than: 0'],
    [{ type: 'string', enum: ['a', 'b'], maxLength: 3, pattern: '^a' }, 'one of: "a", "b"; maxLength: 3; pattern: ^a'],
    [{ type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['route'], nullable: true }, 'nullable; list type: map (keys: route)'],
    [{ type: 'string' }, ''],
  ];
  for (const [node, text] of constraints) it(JSON.stringify(node), () => expect(constraintsOf(node)).toBe(text));
});
