import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError, SchemaMismatchError } from '../../../src/client/errors.ts';
import type { ValueSchema } from '../../../src/client/types.ts';
import { checkIntegrity, checkSchema, type Committed, type RawEntry } from '../../../src/client/verify-entry.ts';

// The oracle hashes with node:crypto itself, not with the code under test.
const hashOf = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

const value = '{"currency":"EUR","retries":3}';
function meta(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ schema: 'payments@v1', uid: 'u-1', namespace: 'shop', name: 'pay', generation: 4, dataHash: hashOf(value), committedAt: '2026-01-01T00:00:00Z', ...overrides });
}
function raw(data: string | undefined, metaValue: string | undefined): RawEntry {
  return {
    namespace: 'shop',
    key: 'pay/settings',
    data: data === undefined ? undefined : { value: data, modRevision: '42' },
    meta: metaValue === undefined ? undefined : { value: metaValue, modRevision: '42' },
  };
}

describe('checkIntegrity', () => {
  it('serves the parsed value and its meta when the bytes hash to the meta’s dataHash', () => {
    const committed = checkIntegrity(raw(value, meta())) as Committed;
    expect(committed.value).toEqual({ currency: 'EUR', retries: 3 });
    expect(committed.revision).toBe('42');
    expect(committed.meta.generation).toBe(4);
  });

  it.each([
    ['nothing at either key', undefined, undefined, NotFoundError, 'shop/pay/settings: no value'],
    ['a value without meta', value, undefined, NotFoundError, 'not written by Cairn'],
    ['meta without its value', undefined, meta(), IntegrityError, 'deleted outside Cairn'],
    ['a meta record that is not Cairn’s', value, '{"owner":"someone"}', IntegrityError, 'meta record is not Cairn'],
    ['bytes changed behind Cairn’s back', '{"currency":"USD","retries":3}', meta(), IntegrityError, 'changed outside Cairn'],
    ['the same JSON re-serialised (other bytes)', '{"retries":3,"currency":"EUR"}', meta(), IntegrityError, 'changed outside Cairn'],
    ['a hash that matches bytes that are not JSON', 'not json', meta({ dataHash: hashOf('not json') }), IntegrityError, 'not JSON'],
  ])('refuses %s', (_, data, metaValue, errorClass, message) => {
    const error = checkIntegrity(raw(data, metaValue));
    expect(error).toBeInstanceOf(errorClass);
    expect((error as Error).message).toContain(message);
    expect((error as NotFoundError).entry).toBe('shop/pay/settings');
  });
});

describe('checkSchema', () => {
  const committed = checkIntegrity(raw(value, meta())) as Committed;
  const guardOf = (id: string, pass: boolean): ValueSchema<{ currency: string }> => ({ id, is: (_v): _v is { currency: string } => pass });

  it('returns the entry with what the meta recorded', () => {
    expect(checkSchema(committed, undefined)).toEqual({
      namespace: 'shop',
      key: 'pay/settings',
      value: { currency: 'EUR', retries: 3 },
      revision: '42',
      generation: 4,
      schema: 'payments@v1',
      dataHash: hashOf(value),
    });
    expect(checkSchema(committed, undefined, guardOf('payments@v1', true))).not.toBeInstanceOf(Error);
  });

  it.each([
    ['another schema version than the one expected', undefined, guardOf('payments@v2', true), 'holds a value of payments@v1, not payments@v2'],
    ['a schema the reader does not know', 'unknown' as const, undefined, 'neither embedded nor published'],
    ['a value its recorded schema refuses', '.retries: must be an integer', undefined, 'does not conform to payments@v1: .retries: must be an integer'],
    ['a value the expected guard refuses', undefined, guardOf('payments@v1', false), 'does not pass the guard of payments@v1'],
  ])('refuses %s with SchemaMismatchError', (_, verdict, expected, message) => {
    const error = checkSchema(committed, verdict, expected);
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect((error as Error).message).toContain(message);
  });
});
