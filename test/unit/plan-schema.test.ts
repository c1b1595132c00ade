/** planPublication: the one guarded transaction that makes P/schemas/<name>/ hold the served versions. */
import { describe, expect, it } from 'vitest';
import { presentKey } from '../../src/domain/key-state.ts';
import { planPublication, publishedValue, type PublishedVersion } from '../../src/domain/plan-schema.ts';
import type { KeyState } from '../../src/domain/types.ts';

const fence = { key: '/p/fence', revision: '7' };
const v1: PublishedVersion = { name: 'pay', version: 'v1', deprecated: false, openAPIV3Schema: { type: 'object' } };
const v2: PublishedVersion = { name: 'pay', version: 'v2', deprecated: true, deprecationWarning: 'use v3', openAPIV3Schema: { type: 'object', properties: { a: { type: 'string' } } } };
const FENCE = { kind: 'modRevision', key: '/p/fence', equals: '7' };

const observed = (entries: [string, KeyState][]) => new Map(entries);

describe('planPublication', () => {
  it.each([
    {
      name: 'nothing published yet: puts every served version, each guarded as absent, with the fence',
      wanted: [v1, v2],
      observed: observed([]),
      keep: [],
      compares: [FENCE, { kind: 'absent', key: '/p/schemas/pay/v1' }, { kind: 'absent', key: '/p/schemas/pay/v2' }],
      operations: [
        { kind: 'put', key: '/p/schemas/pay/v1', value: publishedValue(v1) },
        { kind: 'put', key: '/p/schemas/pay/v2', value: publishedValue(v2) },
      ],
    },
    {
      name: 'a changed value is put, guarded by the mod_revision it was read at; an equal one is left',
      wanted: [v1, v2],
      observed: observed([
        ['/p/schemas/pay/v1', presentKey(publishedValue(v1), '3', '3')],
        ['/p/schemas/pay/v2', presentKey('{"old":true}', '4', '4')],
      ]),
      keep: [],
      compares: [FENCE, { kind: 'modRevision', key: '/p/schemas/pay/v2', equals: '4' }],
      operations: [{ kind: 'put', key: '/p/schemas/pay/v2', value: publishedValue(v2) }],
    },
    {
      name: 'a version no longer served is deleted, unless kept (entries still use it)',
      wanted: [v1],
      observed: observed([
        ['/p/schemas/pay/v1', presentKey(publishedValue(v1), '3', '3')],
        ['/p/schemas/pay/v2', presentKey(publishedValue(v2), '4', '4')],
        ['/p/schemas/pay/v9', presentKey('{}', '5', '5')],
      ]),
      keep: ['/p/schemas/pay/v9'],
      compares: [FENCE, { kind: 'modRevision', key: '/p/schemas/pay/v2', equals: '4' }],
      operations: [{ kind: 'delete', key: '/p/schemas/pay/v2' }],
    },
  ])('$name', ({ wanted, observed: seen, keep, compares, operations }) => {
    const decision = planPublication('/p', wanted, seen, new Set(keep), fence);
    expect(decision).toEqual({ kind: 'commit', txn: { compares, operations, readBackOnFailure: ['/p/fence'] } });
  });

  it('writes nothing when every key already holds its version', () => {
    const seen = observed([['/p/schemas/pay/v1', presentKey(publishedValue(v1), '3', '3')]]);
    expect(planPublication('/p', [v1], seen, new Set(), fence)).toEqual({ kind: 'upToDate' });
  });

  it('publishes canonical JSON naming the id, with the deprecation warning only when given', () => {
    expect(publishedValue(v2)).toBe('{"deprecated":true,"deprecationWarning":"use v3","id":"pay@v2","name":"pay","openAPIV3Schema":{"properties":{"a":{"type":"string"}},"type":"object"},"version":"v2"}');
    expect(JSON.parse(publishedValue(v1))).not.toHaveProperty('deprecationWarning');
  });
});
