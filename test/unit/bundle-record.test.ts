import { describe, expect, it } from 'vitest';
import { bundleKeysToObserve } from '../../src/domain/bundle-members.ts';
import { bundleRecordKey, bundleRecordOf, ownRecord, parseBundleRecord, serializeBundleRecord, type BundleRecord } from '../../src/domain/bundle-record.ts';
import { BUNDLE_UID, bundle, dataKey, member, metaKey, RECORD_KEY, recordValue, statusOf } from './bundle-fixtures.ts';
import { present } from './fixtures.ts';

const RECORD: BundleRecord = { uid: BUNDLE_UID, namespace: 'shop', name: 'checkout', generation: 4, members: ['checkout/db', 'checkout/limits'], fence: '7', committedAt: '2030-01-02T03:04:05Z' };

describe('the bundle record', () => {
  it('lives at P/bundles/<namespace>/<name>, as canonical JSON (keys sorted, members in spec order)', () => {
    expect(bundleRecordKey('/cairn', 'shop', 'checkout')).toBe(RECORD_KEY);
    expect(serializeBundleRecord(RECORD)).toBe(
      '{"committedAt":"2030-01-02T03:04:05Z","fence":"7","generation":4,"members":["checkout/db","checkout/limits"],"name":"checkout","namespace":"shop","uid":"bundle-uid-1"}',
    );
    expect(parseBundleRecord(serializeBundleRecord(RECORD))).toEqual(RECORD);
  });

  it.each([
    ['not JSON', 'nope'],
    ['no uid', JSON.stringify({ ...RECORD, uid: '' })],
    ['a member key outside the namespace', JSON.stringify({ ...RECORD, members: ['../billing/db'] })],
    ['an absolute member key', JSON.stringify({ ...RECORD, members: ['/cairn/data/shop/x'] })],
  ])('is not trusted when it holds %s', (_, value) => {
    expect(parseBundleRecord(value)).toBeUndefined();
    expect(bundleRecordOf(present(value, '5'))).toBe('unreadable');
  });

  it.each([
    ['absent', { exists: false } as const, undefined],
    ['not observed', undefined, undefined],
    ['kept as a hash only', { exists: true, hash: 'sha256:x', modRevision: '5', createRevision: '5' } as const, undefined],
    ["another bundle's (a former uid under this name)", present(recordValue([member('x')], { uid: 'former' }), '5'), undefined],
    ['this bundle’s', present(serializeBundleRecord(RECORD), '5'), RECORD],
  ])('is this bundle’s own only when it names its uid: %s', (_, state, expected) => {
    expect(ownRecord(state, BUNDLE_UID)).toEqual(expected);
  });
});

describe('bundleKeysToObserve', () => {
  const db = member('checkout/db');
  const limits = member('checkout/limits');
  const extra = member('checkout/extra');

  it('the record, then every member pair and those status says were committed, without a record', () => {
    expect(bundleKeysToObserve(bundle({ members: [db], status: statusOf([db, limits]) }), '/cairn', undefined)).toEqual([RECORD_KEY, dataKey(db.key), metaKey(db.key), dataKey(limits.key), metaKey(limits.key)]);
  });

  it('the removed members the record names, whatever status says', () => {
    const record = present(recordValue([db, extra]), '5');
    expect(bundleKeysToObserve(bundle({ members: [db], status: statusOf([db, limits]) }), '/cairn', record)).toEqual([RECORD_KEY, dataKey(db.key), metaKey(db.key), dataKey(extra.key), metaKey(extra.key)]);
  });
});
