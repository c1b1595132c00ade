import { describe, expect, it } from 'vitest';
import { byteLength, canonicalJson, isSameJson, sha256 } from '../../src/domain/canonical.ts';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: [3, { d: 1, c: 2 }], x: null } }, '{"z":{"x":null,"y":[3,{"c":2,"d":1}]}}'],
    [[], '[]'],
    [{}, '{}'],
    ['é"\n', '"é\\"\\n"'],
    [1.5e21, '1.5e+21'],
    [-0, '0'],
    [{ a: undefined, b: true }, '{"b":true}'],
    [{ B: 1, a: 2, _: 3 }, '{"B":1,"_":3,"a":2}'],
  ])('writes %j as %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [10n], [() => 1], [[undefined]]])('refuses %s', (value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it.each([
    [Number.NaN, '$: NaN is not representable in JSON'],
    [{ a: [1, { b: Number.POSITIVE_INFINITY }] }, '$.a[1].b: Infinity is not representable in JSON'],
    [[0, [1, 2n]], '$[1][1]: a bigint is not representable in JSON'],
    [{ z: 1, y: { x: () => 1 } }, '$.y.x: a function is not representable in JSON'],
    [{ list: [undefined] }, '$.list[0]: a undefined is not representable in JSON'],
  ])('names where %s fails: %s', (value, message) => {
    expect(() => canonicalJson(value)).toThrow(new TypeError(message));
  });

  it('names the failing value after a sibling that was written', () => {
    expect(() => canonicalJson({ a: { ok: 1 }, b: [Number.NaN] })).toThrow(new TypeError('$.b[0]: NaN is not representable in JSON'));
  });
});

describe('sha256', () => {
  it('hashes UTF-8 bytes as sha256:<hex>', () => {
    expect(sha256('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256('{}')).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('counts bytes, not characters', () => {
    expect(byteLength('é')).toBe(2);
  });
});

describe('isSameJson', () => {
  it.each([
    ['{"a":1,"b":2}', '{"a":1,"b":2}', true],
    ['{ "b": 2, "a": 1 }', '{"a":1,"b":2}', true],
    ['{"a":1}', '{"a":2}', false],
    ['not json', '{"a":1}', false],
  ])('%s vs %s -> %s', (stored, canonical, same) => {
    expect(isSameJson(stored, canonical)).toBe(same);
  });
});
