import { describe, expect, it } from 'vitest';
import { formatData, formatTable, oneLine } from '../../../src/cli/output.ts';

describe('output', () => {
  it('pads columns to the widest cell, three spaces apart, headers upper-case, no trailing spaces', () => {
    expect(formatTable(['name', 'schema', 'ready'], [['a', 'database@v1', 'True'], ['longer-name', 'x@v2', '']])).toBe(
      ['NAME          SCHEMA        READY', 'a             database@v1   True', 'longer-name   x@v2'].join('\n'),
    );
  });

  it('counts characters, not bytes, when padding', () => {
    expect(formatTable(['a', 'b'], [['é…', 'x']])).toBe('A    B\né…   x');
  });

  const data = { a: [1, { b: 'c' }] };
  it('prints JSON with two spaces and YAML, each ending with a newline', () => {
    expect(formatData('json', data)).toBe('{\n  "a": [\n    1,\n    {\n      "b": "c"\n    }\n  ]\n}\n');
    expect(formatData('yaml', data)).toBe('a:\n  - 1\n  - b: c\n');
  });

  const cases: [string, number, string][] = [
    ['short', 10, 'short'],
    ['a  b\n c', 10, 'a b c'],
    ['abcdefghijk', 5, 'abcd…'],
  ];
  for (const [text, max, expected] of cases) it(`oneLine(${JSON.stringify(text)}, ${max}) = ${JSON.stringify(expected)}`, () => expect(oneLine(text, max)).toBe(expected));
});
