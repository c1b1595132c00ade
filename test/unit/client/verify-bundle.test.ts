/** A bundle read at one revision, judged: served only whole and of one generation. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError } from '../../../src/client/errors.ts';
import type { RawBundle } from '../../../src/client/read-bundle.ts';
import { checkBundle } from '../../../src/client/verify-bundle.ts';
import type { RawEntry } from '../../../src/client/verify-entry.ts';
import type { BundleRecord } from '../../../src/domain/bundle-record.ts';

// The oracle hashes with node:crypto itself, not with the code under test.
const hashOf = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const RECORD: BundleRecord = { uid: 'b-1', namespace: 'shop', name: 'checkout', generation: 4, members: ['checkout/db', 'checkout/limits'], fence: '7', committedAt: '2026-01-01T00:00:00Z' };

function member(key: string, overrides: Record<string, unknown> = {}, value = `{"key":"${key}"}`): RawEntry {
  const meta = JSON.stringify({ ownerKind: 'ConfigBundle', schema: 'database@v1', uid: 'b-1', namespace: 'shop', name: 'checkout', generation: 4, dataHash: hashOf(value), committedAt: 'x', ...overrides });
  return { namespace: 'shop', key, data: { value, modRevision: '40' }, meta: { value: meta, modRevision: '40' } };
}

function read(members: RawEntry[]): RawBundle {
  return { kind: 'read', record: RECORD, recordRevision: '40', members, storeRevision: '45' };
}

describe('checkBundle', () => {
  it('serves every member, in the record order, when each is as the generation committed it', () => {
    const checked = checkBundle(read([member('checkout/db'), member('checkout/limits')]), 'shop', 'checkout');
    if (checked instanceof Error) throw checked;
    expect(checked.members.map((m) => m.raw.key)).toEqual(['checkout/db', 'checkout/limits']);
    expect(checked.record.generation).toBe(4);
  });

  it.each([
    ['a member of another generation beside the record', [member('checkout/db'), member('checkout/limits', { generation: 3 })], /member checkout\/limits holds generation 3, the bundle record generation 4/],
    ['a member owned by someone else', [member('checkout/db'), member('checkout/limits', { uid: 'entry-1', ownerKind: undefined })], /member checkout\/limits is not owned by this bundle \(its meta names ConfigEntry uid entry-1\)/],
    ['a member deleted', [member('checkout/db'), { namespace: 'shop', key: 'checkout/limits', data: undefined, meta: undefined }], /member shop\/checkout\/limits: no value/],
    ['a member changed behind Cairn\'s back', [member('checkout/db'), { ...member('checkout/limits'), data: { value: '{"edited":1}', modRevision: '44' } }], /member shop\/checkout\/limits: the value was changed outside Cairn/],
  ])('refuses the whole bundle for %s (IntegrityError naming the member)', (_, members, message) => {
    const error = checkBundle(read(members), 'shop', 'checkout');
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/^bundle shop\/checkout: /);
    expect((error as Error).message).toMatch(message);
  });

  it('is NotFound without a record, IntegrityError with a record that is not Cairn\'s', () => {
    expect(checkBundle({ kind: 'absent', storeRevision: '3' }, 'shop', 'checkout')).toBeInstanceOf(NotFoundError);
    expect(checkBundle({ kind: 'unreadable', storeRevision: '3' }, 'shop', 'checkout')).toBeInstanceOf(IntegrityError);
  });
});
