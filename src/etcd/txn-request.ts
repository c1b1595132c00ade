/**
 * Pure translation between Cairn's GuardedTxn / KeyState (domain/types.ts) and etcd's wire types.
 * No I/O: the store sends what this builds and reads back what it parses.
 */
import type { ICompare, IKeyValue, IRangeResponse, IRequestOp, ITxnRequest, ITxnResponse } from 'etcd3';
import { presentKey } from '../domain/key-state.ts';
import type { Compare, GuardedTxn, KeyState, Operation, TxnResult } from '../domain/types.ts';

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** The state of one key from a range response that asked for exactly that key. */
export function keyStateOf(kv: IKeyValue | undefined): KeyState {
  if (!kv) return { exists: false };
  return presentKey(kv.value.toString('utf8'), kv.mod_revision, kv.create_revision);
}

/** The first key of a single-key range response (absent when it returned none). */
export function keyStateOfRange(response: IRangeResponse | undefined): KeyState {
  return keyStateOf(response?.kvs[0]);
}

/** etcd's compare for one of Cairn's: `absent` is `create_revision == 0` (etcd's "does not exist"). */
export function toEtcdCompare(compare: Compare): ICompare {
  switch (compare.kind) {
    case 'modRevision':
      return { key: bytes(compare.key), target: 'Mod', result: 'Equal', mod_revision: compare.equals };
    case 'absent':
      return { key: bytes(compare.key), target: 'Create', result: 'Equal', create_revision: 0 };
  }
}

export function toEtcdOperation(operation: Operation): IRequestOp {
  switch (operation.kind) {
    case 'put':
      return { request_put: { key: bytes(operation.key), value: bytes(operation.value) } };
    case 'delete':
      return { request_delete_range: { key: bytes(operation.key) } };
  }
}

/** A linearizable read of exactly one key (no range_end, not serializable). */
export function readKey(key: string): IRequestOp {
  return { request_range: { key: bytes(key) } };
}

/**
 * The transaction for a GuardedTxn: `if (compares) then (operations) else (range of each
 * readBackOnFailure key)`, in that order.
 */
export function toEtcdTxn(txn: GuardedTxn): ITxnRequest {
  return {
    compare: txn.compares.map(toEtcdCompare),
    success: txn.operations.map(toEtcdOperation),
    failure: txn.readBackOnFailure.map(readKey),
  };
}

/**
 * The result of a GuardedTxn from etcd's answer. On success the header revision is the revision the
 * transaction created, so it equals the mod_revision of every key it put. On failure, `readBack`
 * holds the state of each readBackOnFailure key at the header revision.
 */
export function toTxnResult(txn: GuardedTxn, response: ITxnResponse): TxnResult {
  const revision = response.header.revision;
  if (response.succeeded) return { succeeded: true, revision };
  const readBack: Record<string, KeyState> = {};
  txn.readBackOnFailure.forEach((key, i) => {
    readBack[key] = keyStateOfRange(response.responses[i]?.response_range);
  });
  return { succeeded: false, revision, readBack };
}

/** The exclusive end of the range of all keys starting with `prefix` (etcd's "prefix + 1"). */
export function prefixRangeEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i]!;
    if (byte < 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every byte is 0xff: the range runs to the end of the keyspace
}
