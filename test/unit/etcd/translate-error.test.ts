/** Which Cairn error each etcd3 / grpc-js / cockatiel failure becomes, for reads and for writes. */
import { classifyError } from '../../../src/domain/errors.ts';
import { BrokenCircuitError } from 'cockatiel';
import {
  EtcdError as LibEtcdError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCInvalidArgumentError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
} from 'etcd3';
import { describe, expect, it } from 'vitest';
import {
  EtcdError,
  EtcdOutcomeUnknownError,
  EtcdPermissionError,
  EtcdRequestTooLargeError,
  EtcdUnavailableError,
} from '../../../src/etcd/errors.ts';
import { type CallKind, cancelledWatchError, translateEtcdError } from '../../../src/etcd/translate-error.ts';

const cases: [string, Error, CallKind, typeof EtcdError][] = [
  ['a read past its deadline is unavailable', new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: Deadline exceeded after 1.001s'), 'read', EtcdUnavailableError],
  ['a write past its deadline has an unknown outcome', new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: Deadline exceeded after 1.001s'), 'write', EtcdOutcomeUnknownError],
  ['a write on a dropped connection has an unknown outcome', new GRPCUnavailableError('14 UNAVAILABLE: Connection dropped'), 'write', EtcdOutcomeUnknownError],
  ['a write etcd timed out internally has an unknown outcome', new GRPCUnavailableError('14 UNAVAILABLE: etcdserver: request timed out'), 'write', EtcdOutcomeUnknownError],
  ['a write with no connection was never sent', new GRPCUnavailableError('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED'), 'write', EtcdUnavailableError],
  ['a write refused for lack of a leader was never applied', new GRPCUnavailableError('14 UNAVAILABLE: etcdserver: no leader'), 'write', EtcdUnavailableError],
  ['a write blocked by an open circuit was never sent', new BrokenCircuitError(), 'write', EtcdUnavailableError],
  ['etcd\'s size check', new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: request is too large'), 'write', EtcdRequestTooLargeError],
  ['grpc-go\'s message limit', new Error('8 RESOURCE_EXHAUSTED: grpc: received message larger than max (3000000 vs. 2097152)'), 'write', EtcdRequestTooLargeError],
  ['permission denied', new EtcdPermissionDeniedError('7 PERMISSION_DENIED: etcdserver: permission denied'), 'read', EtcdPermissionError],
  ['unauthenticated', new GRPCUnauthenticatedError('16 UNAUTHENTICATED: bad token'), 'write', EtcdPermissionError],
  ['no credentials for an etcd with auth enabled (no etcd3 class for it)', new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: user name is empty'), 'read', EtcdPermissionError],
  ['any other etcd refusal', new LibEtcdError('etcdserver: too many operations in txn request'), 'write', EtcdError],
  ['a raw grpc error that escaped the cast (code 14)', Object.assign(new Error('14 UNAVAILABLE: x'), { code: 14 }), 'read', EtcdUnavailableError],
];

describe('translateEtcdError', () => {
  it.each(cases)('%s', (_name, error, kind, expected) => {
    const translated = translateEtcdError(error, 'commit', kind);
    expect(translated.constructor).toBe(expected);
    expect(translated.cause).toBe(error);
    expect(translated.message).toMatch(/^commit: /);
  });

  it('passes Cairn\'s own errors through unchanged', () => {
    const own = new EtcdUnavailableError('x');
    expect(translateEtcdError(own, 'commit', 'write')).toBe(own);
  });

  it.each([
    [new EtcdUnavailableError('x'), 'transient', 'EtcdUnavailable'],
    [new EtcdOutcomeUnknownError('x'), 'transient', 'CommitOutcomeUnknown'],
    [new EtcdRequestTooLargeError('x'), 'terminal', 'DataTooLarge'],
    [new EtcdPermissionError('x'), 'transient', 'EtcdPermissionDenied'],
    [new EtcdError('x'), 'transient', 'EtcdError'],
  ])('gives %s the failure class %s and the condition reason %s', (error, failureClass, reason) => {
    expect(classifyError(error)).toBe(failureClass);
    expect(error.reason).toBe(reason);
  });
});

describe('cancelledWatchError: a watch etcd cancels, by its cancel_reason', () => {
  it.each([
    ['etcdserver: permission denied', true],
    ['etcdserver: user name is empty', true],
    // A token etcd no longer knows (its TTL passed, or etcd restarted: simple tokens live in memory) is
    // not a refusal of the caller: the watcher's read before it re-opens goes through etcd3's unary
    // path, which authenticates again, and the re-opened watch carries the new token.
    ['etcdserver: invalid auth token', false],
    ['etcdserver: mvcc: required revision has been compacted', false],
  ])('%s refuses the caller: %s', (reason, refused) => {
    expect(cancelledWatchError('watch /cairn/data/', reason) instanceof EtcdPermissionError).toBe(refused);
  });
});
