import { describe, expect, it } from 'vitest';
import { FencingLostError, TerminalError, TransientError, classifyError } from '../../src/domain/errors.ts';

describe('error classes', () => {
  it.each([
    [new TerminalError('InvalidData', 'bad'), 'terminal', 'InvalidData'],
    [new TransientError('EtcdUnavailable', 'down'), 'transient', 'EtcdUnavailable'],
    [new FencingLostError('deposed'), 'transient', 'FencingLost'],
    [new Error('library'), 'transient', undefined],
    ['a string', 'transient', undefined],
  ])('%s is %s', (error, cls, reason) => {
    expect(classifyError(error)).toBe(cls);
    if (error instanceof Error && 'reason' in error) expect(error.reason).toBe(reason);
  });

  it('keeps the cause and a readable name', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new TransientError('EtcdUnavailable', 'etcd is unreachable', { cause });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('TransientError');
    expect(error).toBeInstanceOf(Error);
    expect(new FencingLostError('x')).toBeInstanceOf(TransientError);
  });
});
