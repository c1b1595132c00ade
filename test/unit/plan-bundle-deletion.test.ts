import { describe, expect, it } from 'vitest';
import { planBundleDeletion } from '../../src/domain/plan-bundle-deletion.ts';
import { parseStoredMeta } from '../../src/domain/stored-meta.ts';
import { bundle, bundleMeta, committed, dataKey, member, metaKey, RECORD_KEY, statusOf } from './bundle-fixtures.ts';
import { CTX, metaValue, present } from './fixtures.ts';

const db = member('checkout/db');
const limits = member('checkout/limits');
const FENCE = { kind: 'modRevision', key: '/cairn/fence', equals: '7' };

describe('planBundleDeletion', () => {
  it('deletes every member it owns, data and meta, in one transaction under Delete', () => {
    const decision = planBundleDeletion(bundle({ status: statusOf([db, limits]) }), committed([db, limits]), CTX);
    expect(decision).toMatchObject({
      kind: 'delete',
      retain: false,
      txn: {
        compares: [
          FENCE,
          { kind: 'modRevision', key: metaKey(db.key), equals: '50' },
          { kind: 'modRevision', key: metaKey(limits.key), equals: '50' },
          { kind: 'modRevision', key: RECORD_KEY, equals: '50' },
        ],
        operations: [
          { kind: 'delete', key: dataKey(db.key) },
          { kind: 'delete', key: metaKey(db.key) },
          { kind: 'delete', key: dataKey(limits.key) },
          { kind: 'delete', key: metaKey(limits.key) },
          { kind: 'delete', key: RECORD_KEY },
        ],
        readBackOnFailure: ['/cairn/fence', RECORD_KEY, metaKey(db.key), metaKey(limits.key)],
      },
    });
  });

  it('releases ownership only under Retain', () => {
    const decision = planBundleDeletion(bundle({ spec: { deletionPolicy: 'Retain' }, status: statusOf([db, limits]) }), committed([db, limits]), CTX);
    expect(decision).toMatchObject({ kind: 'delete', retain: true });
    if (decision.kind === 'delete') expect(decision.txn.operations).toEqual([{ kind: 'delete', key: metaKey(db.key) }, { kind: 'delete', key: metaKey(limits.key) }, { kind: 'delete', key: RECORD_KEY }]);
  });

  it('includes members of the last committed generation the spec no longer names', () => {
    const decision = planBundleDeletion(bundle({ members: [db], status: statusOf([db, limits]) }), committed([db, limits]), CTX);
    if (decision.kind !== 'delete') throw new Error(decision.kind);
    expect(decision.pairs.map((p) => p.data)).toEqual([dataKey(db.key), dataKey(limits.key)]);
  });

  it('touches no key owned by someone else, and releases when nothing is ours', () => {
    const etcd = { [metaKey(db.key)]: present(metaValue({ uid: 'entry-uid' }), '50') };
    expect(planBundleDeletion(bundle({ members: [db] }), etcd, CTX)).toMatchObject({ kind: 'nothingOurs' });
  });

  it('never guesses: reads the record and the meta keys first', () => {
    expect(planBundleDeletion(bundle(), undefined, CTX)).toEqual({ kind: 'needsRead', keys: [RECORD_KEY, metaKey(db.key), metaKey(limits.key)] });
  });

  it('deletes the members the record names although status never did (a generation whose status patch was lost)', () => {
    const extra = member('checkout/extra');
    const b = bundle({ members: [db], status: statusOf([db]) });
    const etcd = committed([db, extra]);
    expect(planBundleDeletion(b, { [RECORD_KEY]: etcd[RECORD_KEY] ?? { exists: false }, [metaKey(db.key)]: etcd[metaKey(db.key)] ?? { exists: false } }, CTX)).toEqual({
      kind: 'needsRead',
      keys: [RECORD_KEY, metaKey(db.key), metaKey(extra.key)],
    });
    const decision = planBundleDeletion(b, etcd, CTX);
    if (decision.kind !== 'delete') throw new Error(decision.kind);
    expect(decision.pairs.map((p) => p.data)).toEqual([dataKey(db.key), dataKey(extra.key)]);
    expect(decision.txn.operations.map((op) => op.key)).toEqual([dataKey(db.key), metaKey(db.key), dataKey(extra.key), metaKey(extra.key), RECORD_KEY]);
  });

  it('leaves another bundle\'s record under this name alone', () => {
    const etcd = { [RECORD_KEY]: present('{"uid":"former-uid","namespace":"shop","name":"checkout","generation":1,"members":[],"fence":"3","committedAt":"x"}', '40') };
    expect(planBundleDeletion(bundle({ members: [db] }), { ...etcd, [metaKey(db.key)]: { exists: false } }, CTX)).toMatchObject({ kind: 'nothingOurs' });
  });
});

describe('meta records name their owner kind', () => {
  it('a bundle member record says ConfigBundle; a record without a kind (every entry, every older record) reads as ConfigEntry', () => {
    expect(parseStoredMeta(bundleMeta(db))?.ownerKind).toBe('ConfigBundle');
    const old = metaValue();
    expect(old).not.toContain('ownerKind');
    expect(parseStoredMeta(old)).toMatchObject({ uid: 'uid-1', name: 'checkout-db' });
    expect(parseStoredMeta(old)?.ownerKind).toBeUndefined();
  });
});
