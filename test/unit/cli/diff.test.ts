import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../../../src/api/config-entry.ts';
import { compareEntries, type Declared, type StoredPair } from '../../../src/cli/diff/compare.ts';
import { lineDiff } from '../../../src/cli/diff/line-diff.ts';
import { sha256 } from '../../../src/domain/canonical.ts';

const VALUE = '{"a":1}';
function entry(name: string, uid: string, generation = 1): ConfigEntry {
  return { metadata: { name, namespace: 'ns', uid, generation }, spec: { schema: 'x@v1', data: {}, deletionPolicy: 'Delete', driftPolicy: 'Correct' } } as ConfigEntry;
}
function meta(uid: string, name: string, generation: number, hash: string, ownerKind?: string): string {
  return JSON.stringify({ schema: 'x@v1', uid, namespace: 'ns', name, generation, dataHash: hash, committedAt: '2026-11-29T00:00:00Z', ...(ownerKind ? { ownerKind } : {}) });
}
const ok: Declared = { ok: true, canonical: VALUE, dataHash: sha256(VALUE) };
const at = (value: string, rev = '5') => ({ value, modRevision: rev });

describe('diff states', () => {
  const cases: { what: string; declared?: Declared; generation?: number; stored?: StoredPair; state: string; detail: RegExp }[] = [
    { what: 'owned, same generation, same hash', stored: { data: at(VALUE), meta: at(meta('u1', 'e', 1, sha256(VALUE))) }, state: 'in-sync', detail: /^committed by generation 1$/ },
    { what: 'nothing in etcd', stored: {}, state: 'missing', detail: /no value/ },
    { what: 'meta but no data', stored: { meta: at(meta('u1', 'e', 1, sha256(VALUE))) }, state: 'missing', detail: /deleted outside Cairn/ },
    { what: 'another declared value', declared: { ok: true, canonical: '{"a":2}', dataHash: sha256('{"a":2}') }, generation: 2, stored: { data: at(VALUE), meta: at(meta('u1', 'e', 1, sha256(VALUE))) }, state: 'different', detail: /generation 1's value; the entry \(generation 2\)/ },
    { what: 'owned by another entry', stored: { data: at(VALUE), meta: at(meta('u9', 'other', 1, sha256(VALUE))) }, state: 'different', detail: /owned by ConfigEntry ns\/other \(uid u9\)/ },
    { what: 'a value without meta', stored: { data: at(VALUE) }, state: 'different', detail: /Cairn did not write \(no meta record\)/ },
    { what: 'bytes that do not hash to the meta', stored: { data: at('{"a":3}'), meta: at(meta('u1', 'e', 1, sha256(VALUE))) }, state: 'drifted', detail: /changed outside Cairn/ },
    { what: 'a spec that cannot be stored', declared: { ok: false, message: 'data.a: bad' }, stored: {}, state: 'invalid', detail: /^data\.a: bad$/ },
    { what: 'a declared schema without the engine, same generation', declared: { ok: 'unknown', message: 'by generation' }, stored: { data: at(VALUE), meta: at(meta('u1', 'e', 1, sha256(VALUE))) }, state: 'in-sync', detail: /by generation/ },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const stored = new Map([['ns/k', c.stored ?? {}]]);
      const [item] = compareEntries([{ entry: entry('e', 'u1', c.generation), key: 'k', declared: c.declared ?? ok }], stored);
      expect([item?.state, item?.key, item?.entry]).toEqual([c.state, 'k', 'e']);
      expect(item?.detail).toMatch(c.detail);
    });
  }

  it('reports keys no entry declares as foreign, leaves bundles\' keys out, and sorts by key', () => {
    const stored = new Map<string, StoredPair>([
      ['ns/z', { data: at(VALUE) }],
      ['ns/gone', { data: at(VALUE), meta: at(meta('u7', 'deleted', 3, sha256(VALUE))) }],
      ['ns/bundle', { data: at(VALUE), meta: at(meta('u8', 'b', 1, sha256(VALUE), 'ConfigBundle')) }],
      ['ns/k', { data: at(VALUE), meta: at(meta('u1', 'e', 1, sha256(VALUE))) }],
    ]);
    const items = compareEntries([{ entry: entry('e', 'u1'), key: 'k', declared: ok }], stored);
    expect(items.map((i) => [i.key, i.state])).toEqual([['gone', 'foreign'], ['k', 'in-sync'], ['z', 'foreign']]);
    expect(items[0]?.detail).toMatch(/owned by ConfigEntry ns\/deleted \(uid u7\), generation 3, which no longer exists/);
  });
});

describe('line diff', () => {
  const cases: [string, string, string[]][] = [
    ['a\nb\nc', 'a\nb\nc', []],
    ['a\nb\nc', 'a\nB\nc', ['@@', ' a', '-b', '+B', ' c']],
    ['', 'x', ['@@', '-', '+x']],
    ['1\n2\n3\n4\n5\n6\n7\n8\n9', '1\n2\n3\n4\n5\n6\n7\n8\nX', ['@@', ' 6', ' 7', ' 8', '-9', '+X']],
  ];
  for (const [a, b, expected] of cases) it(`${JSON.stringify(a)} -> ${JSON.stringify(b)}`, () => expect(lineDiff(a, b)).toEqual(expected));
});
