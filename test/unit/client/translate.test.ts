import { EtcdAuthenticationFailedError, EtcdPermissionDeniedError, GRPCInvalidArgumentError, GRPCUnavailableError } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { IntegrityError, isReadFailure, PermissionDeniedError, ReadError, UnavailableError } from '../../../src/client/errors.ts';
import { isCompacted, isFutureRevision, toReadError } from '../../../src/client/translate.ts';

describe('toReadError', () => {
  it('turns what etcd3 throws into UnavailableError, keeping the failure as cause', () => {
    const original = new GRPCUnavailableError('14 UNAVAILABLE: No connection established');
    const error = toReadError(original, 'read /cairn/data/shop/x');
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.code).toBe('Unavailable');
    expect(error.message).toContain('read /cairn/data/shop/x');
    expect((error.cause as Error).cause).toBe(original);
  });

  it('passes a ReadError through unchanged', () => {
    const integrity = new IntegrityError('changed');
    expect(toReadError(integrity, 'x')).toBe(integrity);
  });

  it('never returns anything but a ReadError', () => {
    expect(toReadError('a string', 'x')).toBeInstanceOf(ReadError);
  });
});

describe('revision refusals, found anywhere in the cause chain', () => {
  const wrapped = (message: string): Error => new UnavailableError('read at 5', { cause: new Error(`9 FAILED_PRECONDITION: ${message}`) });

  it.each([
    ['etcdserver: mvcc: required revision has been compacted', true, false],
    ['etcdserver: mvcc: required revision is a future revision', false, true],
    ['etcdserver: no leader', false, false],
  ])('%s', (message, compacted, future) => {
    expect(isCompacted(wrapped(message))).toBe(compacted);
    expect(isFutureRevision(wrapped(message))).toBe(future);
  });
});

describe('toReadError: a refusal of the caller is told apart from an etcd that is not there', () => {
  it.each([
    ['no read permission on the key', new EtcdPermissionDeniedError('7 PERMISSION_DENIED: etcdserver: permission denied')],
    ['a wrong password', new EtcdAuthenticationFailedError('3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password')],
    ['no credentials for an etcd with auth enabled', new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: user name is empty')],
  ])('%s: PermissionDeniedError', (_name, original) => {
    const error = toReadError(original, 'read /cairn/data/shop/x');
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.code).toBe('PermissionDenied');
    expect(isReadFailure(error)).toBe(true);
    expect(error.message).toContain(`read /cairn/data/shop/x: ${original.message}`);
  });
});
