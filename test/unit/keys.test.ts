import { describe, expect, it } from 'vitest';
import { KEY_PATTERN } from '../../src/api/names.ts';
import { checkPrefix, checkRelativeKey, entryKeys, fenceKey, parseStoreKey } from '../../src/domain/keys.ts';

describe('checkRelativeKey', () => {
  it.each([
    'db',
    'checkout/db',
    'a.b/c_d/e-f',
    '.hidden',
    '..config',
    'v1.2',
    'a'.repeat(253),
    'A/B/C',
  ])('accepts %j', (key) => {
    expect(checkRelativeKey(key)).toEqual({ ok: true, key });
  });

  it.each([
    ['', 'must not be empty'],
    ['a'.repeat(254), 'is 254 characters long; the limit is 253'],
    ['a\nb', 'must not contain control characters (found U+000A at position 1)'],
    ['a\u007fb', 'must not contain control characters (found U+007F at position 1)'],
    ['/etc/passwd', "must be relative to the namespace: remove the leading '/'"],
    ['a/', "must not end with '/'"],
    ['a//b', "must not contain empty segments ('//')"],
    ['..', "must not contain '.' or '..' segments"],
    ['a/../b', "must not contain '.' or '..' segments"],
    ['./a', "must not contain '.' or '..' segments"],
    ['a/b c', `must contain only letters, digits, '.', '_', '-' and '/' (found " " at position 3)`],
    ['a:b', `must contain only letters, digits, '.', '_', '-' and '/' (found ":" at position 1)`],
    ['ключ', `must contain only letters, digits, '.', '_', '-' and '/' (found "к" at position 0)`],
    ['a/.../b', 'must not contain segments made only of dots'],
  ])('rejects %j: %s', (key, problem) => {
    expect(checkRelativeKey(key)).toEqual({ ok: false, problem });
  });

  it('agrees with KEY_PATTERN on a few tricky keys', () => {
    const pattern = new RegExp(KEY_PATTERN);
    for (const key of ['a', '.a', '..a', '...a', 'a.', 'a..', '-', '_/_', '.', '..', '...', 'a/.', 'a/..']) {
      expect(checkRelativeKey(key).ok, key).toBe(pattern.test(key));
    }
  });
});

describe('key layout', () => {
  it('builds data, meta and fence keys under the prefix', () => {
    expect(entryKeys('/cairn', 'shop', 'checkout/db')).toEqual({
      relative: 'checkout/db',
      data: '/cairn/data/shop/checkout/db',
      meta: '/cairn/meta/shop/checkout/db',
    });
    expect(fenceKey('/cairn')).toBe('/cairn/fence');
  });

  it.each([
    ['/cairn/data/shop/checkout/db', { kind: 'data', namespace: 'shop', key: 'checkout/db' }],
    ['/cairn/meta/shop/x', { kind: 'meta', namespace: 'shop', key: 'x' }],
    ['/cairn/fence', undefined],
    ['/cairn/data/shop', undefined],
    ['/cairn/data//x', undefined],
    ['/cairn/data/shop/a//b', undefined],
    ['/other/data/shop/x', undefined],
    ['/cairn/datax/shop/x', undefined],
  ])('parses %j back', (key, expected) => {
    expect(parseStoreKey('/cairn', key)).toEqual(expected);
  });

  it('round-trips every built key', () => {
    const keys = entryKeys('/p/q', 'ns', 'a/b.c');
    expect(parseStoreKey('/p/q', keys.data)).toEqual({ kind: 'data', namespace: 'ns', key: 'a/b.c' });
    expect(parseStoreKey('/p/q', keys.meta)).toEqual({ kind: 'meta', namespace: 'ns', key: 'a/b.c' });
  });

  it.each([
    ['/cairn', true],
    ['/a/b', true],
    ['cairn', false],
    ['/cairn/', false],
    ['/', false],
  ])('checks prefix %j', (prefix, ok) => {
    expect(checkPrefix(prefix).ok).toBe(ok);
  });
});
