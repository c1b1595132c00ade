/**
 * What status and Events say about fields a schema does not declare (domain/pruned-fields.ts), and
 * how the paths are read from the engine's warnings (schemas/engine unknownFieldPathOf).
 */
import { describe, expect, it } from 'vitest';
import { describePruned, MAX_PRUNED_NAMED, MAX_PRUNED_PATH_LENGTH, NOTHING_PRUNED, summarizePruned } from '../../src/domain/pruned-fields.ts';
import { unknownFieldPathOf } from '../../src/schemas/engine/engine.ts';

const paths = (n: number): string[] => Array.from({ length: n }, (_, i) => `spec.data.f${String(i).padStart(2, '0')}`);

describe('summarizePruned', () => {
  it.each([
    ['no path: the shared NOTHING_PRUNED', [], NOTHING_PRUNED],
    ['one path', ['spec.data.prot'], { paths: ['spec.data.prot'], count: 1 }],
    ['paths in the order given (the caller fixes it)', ['spec.members[1].data.b', 'spec.members[0].data.a'], { paths: ['spec.members[1].data.b', 'spec.members[0].data.a'], count: 2 }],
    [`exactly ${MAX_PRUNED_NAMED}: all named`, paths(MAX_PRUNED_NAMED), { paths: paths(MAX_PRUNED_NAMED), count: MAX_PRUNED_NAMED }],
    [`more than ${MAX_PRUNED_NAMED}: the first named, all counted`, paths(25), { paths: paths(MAX_PRUNED_NAMED), count: 25 }],
  ] as const)('%s', (_name, given, expected) => {
    expect(summarizePruned(given)).toEqual(expected);
  });

  it('cuts a path longer than MAX_PRUNED_PATH_LENGTH (a field name may be as long as the data) and keeps shorter ones whole', () => {
    const long = `spec.data.${'x'.repeat(100_000)}`;
    const short = `spec.data.${'y'.repeat(MAX_PRUNED_PATH_LENGTH - 10)}`;
    const summary = summarizePruned([long, short]);
    expect(summary.paths).toEqual([`${long.slice(0, MAX_PRUNED_PATH_LENGTH)}...`, short]);
    expect(summary.count).toBe(2);
  });

  it('gives the very same object for no path, so a verdict per entry costs nothing then', () => {
    expect(summarizePruned([])).toBe(NOTHING_PRUNED);
    expect(Object.isFrozen(NOTHING_PRUNED)).toBe(true);
  });
});

describe('describePruned', () => {
  it.each([
    ['nothing pruned: no text', NOTHING_PRUNED, ''],
    ['one field, path first', summarizePruned(['spec.data.prot']), 'spec.data.prot: unknown field, not declared by the schema; pruned, not stored'],
    ['two fields', summarizePruned(['spec.data.a', 'spec.data.pool.b']), 'spec.data.a, spec.data.pool.b: unknown fields, not declared by the schema; pruned, not stored'],
    [
      'more than it names: counted',
      summarizePruned(paths(12)),
      `${paths(10).join(', ')} and 2 more: unknown fields, not declared by the schema; pruned, not stored`,
    ],
  ] as const)('%s', (_name, pruned, expected) => {
    expect(describePruned(pruned)).toBe(expected);
  });
});

describe('unknownFieldPathOf', () => {
  it.each([
    ['a field', 'unknown field "spec.data.prot"', 'spec.data.prot'],
    ['a list item\'s field', 'unknown field "spec.data.routes[2].weigth"', 'spec.data.routes[2].weigth'],
    ['a quote in a key, as Go quotes it', 'unknown field "spec.data.a\\"b"', 'spec.data.a"b'],
    ['a byte Go escapes as \\x, kept as quoted', 'unknown field "spec.data.\\x01"', 'spec.data.\\x01'],
    ['any other warning', 'spec.data: deprecated', undefined],
  ] as const)('%s', (_name, warning, expected) => {
    expect(unknownFieldPathOf(warning)).toBe(expected);
  });
});
