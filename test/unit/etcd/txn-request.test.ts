/** GuardedTxn ↔ etcd wire types, and the prefix range end. */
import type { ITxnResponse } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/domain/canonical.ts';
import type { GuardedTxn } from '../../../src/domain/types.ts';
import { prefixRangeEnd, toEtcdTxn, toTxnResult } from '../../../src/etcd/txn-request.ts';

const txn: GuardedTxn = {
  compares: [
    { kind: 'modRevision', key: '/p/fence', equals: '7' },
    { kind: 'absent', key: '/p/meta/ns/k' },
  ],
  operations: [
    { kind: 'put', key: '/p/data/ns/k', value: '{"a":1}' },
    { kind: 'delete', key: '/p/meta/ns/old' },
  ],
  readBackOnFailure: ['/p/fence', '/p/meta/ns/k'],
};

describe('toEtcdTxn', () => {
  it('maps each compare to etcd\'s target and operand; absent is create_revision == 0', () => {
    const request = toEtcdTxn(txn);
    expect(request.compare?.map((c) => [c.key?.toString(), c.target, c.result])).toEqual([
      ['/p/fence', 'Mod', 'Equal'],
      ['/p/meta/ns/k', 'Create', 'Equal'],
    ]);
    expect(request.compare?.[0]?.mod_revision).toBe('7');
    expect(request.compare?.[1]?.create_revision).toBe(0);
  });

  it('puts and deletes on success, reads the read-back keys on failure', () => {
    const request = toEtcdTxn(txn);
    expect(request.success?.[0]?.request_put?.value?.toString()).toBe('{"a":1}');
    expect(request.success?.[1]?.request_delete_range?.key?.toString()).toBe('/p/meta/ns/old');
    expect(request.failure?.map((op) => op.request_range?.key?.toString())).toEqual(txn.readBackOnFailure);
  });
});

describe('toTxnResult', () => {
  const header = { cluster_id: '1', member_id: '1', revision: '42', raft_term: '2' };

  it('returns the header revision on success', () => {
    expect(toTxnResult(txn, { header, succeeded: true, responses: [] })).toEqual({ succeeded: true, revision: '42' });
  });

  it('returns each read-back key by name on failure, absent when the range was empty', () => {
    const kv = { key: Buffer.from('/p/fence'), value: Buffer.from('{}'), create_revision: '3', mod_revision: '9', version: '2', lease: '0' };
    const response = {
      header,
      succeeded: false,
      responses: [{ response_range: { header, kvs: [kv], more: false, count: '1' } }, { response_range: { header, kvs: [], more: false, count: '0' } }],
    } as unknown as ITxnResponse;
    expect(toTxnResult(txn, response)).toEqual({
      succeeded: false,
      revision: '42',
      readBack: {
        '/p/fence': { exists: true, value: '{}', hash: sha256('{}'), createRevision: '3', modRevision: '9' },
        '/p/meta/ns/k': { exists: false },
      },
    });
  });
});

describe('prefixRangeEnd', () => {
  it('increments the last byte', () => expect(prefixRangeEnd('/cairn/').toString()).toBe('/cairn0'));
  it('drops trailing 0xff bytes before incrementing', () => {
    expect([...prefixRangeEnd(Buffer.from([0x61, 0xff]).toString('latin1'))]).not.toContain(0xff);
  });
});
