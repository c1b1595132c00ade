/**
 * etcd's limits on one transaction, checked before etcd is asked, so a bundle over them is Stalled
 * with a message a person can act on instead of failing in etcd at every retry.
 *
 * - `--max-txn-ops` (default 128): etcd refuses a txn whose compares, or whose then-operations, or
 *   whose else-operations number more than the limit; each list is counted alone, the largest counts
 *   (etcd server/etcdserver/api/v3rpc/key.go, checkTxnRequest, v3.7).
 * - `--max-request-bytes` (default 1.5 MiB): the request as etcd proposes it. Estimated from above
 *   here: every key and value, plus a per-field allowance for protobuf tags, lengths and revisions,
 *   plus room for the raft request's header.
 */
import { byteLength } from './canonical.ts';
import type { GuardedTxn } from './types.ts';

export interface TxnLimits {
  /** etcd's `--max-txn-ops`. */
  readonly maxTxnOps: number;
  /** etcd's `--max-request-bytes`. */
  readonly maxRequestBytes: number;
}

/** Protobuf framing of one compare or operation, bounded from above (tags, lengths, an int64 revision, enums). */
const PER_FIELD_BYTES = 24;
/** The raft request's header and the txn's own framing. */
const HEADER_BYTES = 512;

/** What etcd counts against `--max-txn-ops`: the longest of compares, operations and else-reads. */
export function txnOperationCount(txn: GuardedTxn): number {
  return Math.max(txn.compares.length, txn.operations.length, txn.readBackOnFailure.length);
}

/** An upper estimate of the request's size in bytes. */
export function txnRequestBytes(txn: GuardedTxn): number {
  let bytes = HEADER_BYTES;
  for (const c of txn.compares) bytes += byteLength(c.key) + PER_FIELD_BYTES;
  for (const op of txn.operations) bytes += byteLength(op.key) + (op.kind === 'put' ? byteLength(op.value) : 0) + PER_FIELD_BYTES;
  for (const key of txn.readBackOnFailure) bytes += byteLength(key) + PER_FIELD_BYTES;
  return bytes;
}

/** Why `txn` would pass etcd's limits, or undefined when it fits. `what` names it for people ("this bundle's transaction"). */
export function txnLimitProblem(txn: GuardedTxn, limits: TxnLimits, what: string): string | undefined {
  const ops = txnOperationCount(txn);
  if (ops > limits.maxTxnOps) {
    return (
      `${what} needs ${ops} operations (${txn.compares.length} compares, ${txn.operations.length} puts and deletes, ` +
      `${txn.readBackOnFailure.length} reads if a compare fails); etcd allows ${limits.maxTxnOps} (--max-txn-ops)`
    );
  }
  const bytes = txnRequestBytes(txn);
  if (bytes > limits.maxRequestBytes) {
    return `${what} is about ${bytes} bytes; etcd accepts requests up to ${limits.maxRequestBytes} bytes (--max-request-bytes)`;
  }
  return undefined;
}
