import { describe, expect, it } from 'vitest';
import { planDeletion } from '../../src/domain/plan-deletion.ts';
import { ABSENT, CTX, DATA_KEY, META_KEY, desired, entry, metaValue, observed, present } from './fixtures.ts';

const keys = { relative: 'checkout/db', data: DATA_KEY, meta: META_KEY };
const guards = [
  { kind: 'modRevision', key: '/cairn/fence', equals: '7' },
  { kind: 'modRevision', key: META_KEY, equals: '61' },
];
const ours = observed(present(desired().canonical, '60'), present(metaValue(), '61'));

describe('planDeletion', () => {
  it('deletes data and meta in one guarded transaction under Delete', () => {
    expect(planDeletion(entry(), ours, CTX)).toEqual({
      kind: 'delete',
      keys,
      retain: false,
      txn: {
        compares: guards,
        operations: [
          { kind: 'delete', key: DATA_KEY },
          { kind: 'delete', key: META_KEY },
        ],
        readBackOnFailure: ['/cairn/fence', META_KEY, DATA_KEY],
      },
    });
  });

  it('releases ownership only (meta), keeping the value, under Retain', () => {
    const decision = planDeletion(entry({ spec: { deletionPolicy: 'Retain' } }), ours, CTX);
    expect(decision).toMatchObject({ kind: 'delete', retain: true, txn: { compares: guards, operations: [{ kind: 'delete', key: META_KEY }] } });
  });

  it('asks for a read when etcd state is unknown', () => {
    expect(planDeletion(entry(), undefined, CTX)).toEqual({ kind: 'needsRead', keys });
  });

  it.each([
    ['nothing in etcd', observed(ABSENT, ABSENT)],
    ['an unowned value', observed(present('{}', '5'), ABSENT)],
    ['a key owned by another entry', observed(present('{}', '5'), present(metaValue({ uid: 'uid-2' }), '5'))],
    ['an unreadable meta record', observed(ABSENT, present('garbage', '5'))],
  ])('touches nothing when etcd holds %s', (_, state) => {
    expect(planDeletion(entry(), state, CTX)).toMatchObject({ kind: 'nothingOurs' });
  });

  it('lets an entry with an invalid key go without a read', () => {
    expect(planDeletion(entry({ spec: { key: '/abs' } }), undefined, CTX)).toMatchObject({ kind: 'nothingOurs' });
  });
});
