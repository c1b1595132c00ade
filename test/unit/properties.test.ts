import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_PATTERN, MAX_KEY_LENGTH } from '../../src/api/names.ts';
import { canonicalJson } from '../../src/domain/canonical.ts';
import { checkRelativeKey, entryKeys, parseStoreKey } from '../../src/domain/keys.ts';
import { plan } from '../../src/domain/plan.ts';
import { registry } from '../../src/schemas/index.ts';
import { INVALID_DATA, INVALID_KEYS, UNKNOWN_SCHEMAS, namesField, tooLarge } from '../support/invalid-specs.ts';
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

/**
 * Invalid specs and what each must be refused for, from an oracle independent of the validator: the
 * hand-written table of test/support/invalid-specs.ts, the generated bad keys above, and schema ids
 * the registry does not hold. The size cases are valid values over a small limit.
 */
const SMALL_LIMIT = { ...CTX, maxBytes: 4096 };
const badSpec = fc.oneof(
  badKey.map((key) => ({ spec: { key }, reason: 'InvalidKey', field: 'spec.key' })),
  fc.string().filter((id) => !registry.has(id)).map((schema) => ({ spec: { schema }, reason: 'UnknownSchema', field: 'spec.schema' })),
  fc.constantFrom(...INVALID_DATA, ...UNKNOWN_SCHEMAS, ...INVALID_KEYS, ...tooLarge(SMALL_LIMIT.maxBytes)),
);
const anyObserved = fc.constantFrom(
  undefined,
  observed(ABSENT, ABSENT),
  observed(present('{}', '5'), ABSENT),
  observed(present('{}', '5'), present(metaValue(), '5')),
  observed(ABSENT, present(metaValue({ uid: 'someone-else' }), '5')),
);

describe('plan (property)', () => {
  it('yields invalid for the right reason, naming the field, and no transaction, for any invalid spec', () => {
    fc.assert(
      fc.property(badSpec, anyObserved, ({ spec, reason, field }, state) => {
        const decision = plan(entry({ spec }), state, SMALL_LIMIT);
        expect(decision.kind).toBe('invalid');
        expect('txn' in decision).toBe(false);
        if (decision.kind !== 'invalid') return;
        expect(decision.reason).toBe(reason);
        expect(namesField(decision.message, field), decision.message).toBe(true);
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
