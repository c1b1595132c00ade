import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_PATTERN, MAX_KEY_LENGTH } from '../../src/api/names.ts';
import { canonicalJson } from '../../src/domain/canonical.ts';
import { checkRelativeKey, entryKeys, parseStoreKey } from '../../src/domain/keys.ts';
import { plan } from '../../src/domain/plan.ts';
import { validateData } from '../../src/domain/validate.ts';
import { registry } from '../../src/schemas/index.ts';
import { ABSENT, CTX, entry, metaValue, observed, present } from './fixtures.ts';

/** The same JSON value with every object's keys in another order. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, seed));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length] as [string, unknown]).reverse();
  return Object.fromEntries(rotated.map(([k, v]) => [k, reorder(v, seed + 1)]));
}

describe('canonical JSON (property)', () => {
  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        expect(canonicalJson(reorder(value, seed))).toBe(canonicalJson(value));
      }),
    );
  });

  it('is a fixed point of parse and re-canonicalise, and a JSON text of the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

const keyChars = fc.constantFrom(...'ab.Z9_-/'.split(''), '..', '\u0000', '\n', '\u007f', ' ', '\\', ':', 'é');
const keyLike = fc.array(keyChars, { maxLength: 30 }).map((parts) => parts.join(''));
const segment = fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/);
const badKey = fc.oneof(
  fc.tuple(fc.array(segment, { maxLength: 3 }), fc.constantFrom('..', '.', ''), fc.array(segment, { maxLength: 3 })).map(([a, bad, b]) => [...a, bad, ...b].join('/')),
  keyLike.map((k) => `/${k}`),
  fc.tuple(keyLike, fc.integer({ min: 0, max: 31 }), keyLike).map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`),
  fc.constant('x'.repeat(MAX_KEY_LENGTH + 1)),
);

describe('key validation (property)', () => {
  it('never accepts .., empty segments, a leading slash or control characters', () => {
    fc.assert(
      fc.property(fc.oneof(keyLike, badKey), (key) => {
        if (!checkRelativeKey(key).ok) return;
        const segments = key.split('/');
        expect(segments).not.toContain('');
        expect(segments).not.toContain('..');
        expect(segments).not.toContain('.');
        expect(key.startsWith('/')).toBe(false);
        expect([...key].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
        expect(key.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every generated bad key', () => {
    fc.assert(
      fc.property(badKey, (key) => {
        expect(checkRelativeKey(key).ok).toBe(false);
      }),
    );
  });

  it('accepts exactly what the CRD pattern accepts (up to the length limit)', () => {
    const pattern = new RegExp(KEY_PATTERN);
    fc.assert(
      fc.property(fc.oneof(keyLike, badKey, segment), (key) => {
        expect(checkRelativeKey(key).ok).toBe(pattern.test(key) && key.length <= MAX_KEY_LENGTH);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every accepted key inside its namespace', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (segments) => {
        const key = segments.join('/');
        if (!checkRelativeKey(key).ok) return;
        const keys = entryKeys('/cairn', 'shop', key);
        expect(keys.data.startsWith('/cairn/data/shop/')).toBe(true);
        expect(parseStoreKey('/cairn', keys.data)).toEqual({ kind: 'data', namespace: 'shop', key });
      }),
    );
  });
});

const knownIds = [...registry.keys()];
const badSpec = fc.oneof(
  badKey.map((key) => ({ key })),
  fc.string().filter((id) => !registry.has(id)).map((schema) => ({ schema })),
  fc.tuple(fc.constantFrom(...knownIds), fc.dictionary(fc.string(), fc.jsonValue()))
    .filter(([id, data]) => !validateData(id, data, { maxBytes: CTX.maxBytes }).ok)
    .map(([schema, data]) => ({ schema, data: data as Record<string, unknown> })),
);
const anyObserved = fc.constantFrom(
  undefined,
  observed(ABSENT, ABSENT),
  observed(present('{}', '5'), ABSENT),
  observed(present('{}', '5'), present(metaValue(), '5')),
  observed(ABSENT, present(metaValue({ uid: 'someone-else' }), '5')),
);

describe('plan (property)', () => {
  it('yields invalid, and no transaction, for any invalid spec', () => {
    fc.assert(
      fc.property(badSpec, anyObserved, (spec, state) => {
        const decision = plan(entry({ spec }), state, CTX);
        expect(decision.kind).toBe('invalid');
        expect('txn' in decision).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('guards every transaction it plans with the fence', () => {
    fc.assert(
      fc.property(fc.constantFrom(...registry.values()), anyObserved, (definition, state) => {
        const decision = plan(entry({ spec: { schema: definition.id, data: { ...definition.example } } }), state, CTX);
        expect(decision.kind).not.toBe('invalid');
        if (decision.kind === 'commit') expect(decision.txn.compares[0]).toEqual({ kind: 'modRevision', key: '/cairn/fence', equals: '7' });
      }),
    );
  });
});
