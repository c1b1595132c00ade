/** The error policy alone decides, for an error a reconcile threw, what status is written and when the key runs again. */
import { describe, expect, it } from 'vitest';
import { afterError, afterOutcome } from '../../../src/controller/error-policy.ts';
import { FenceUnavailableError, FencingLostError, TerminalError, TransientError } from '../../../src/domain/errors.ts';
import { EtcdOutcomeUnknownError, EtcdUnavailableError } from '../../../src/etcd/errors.ts';
import { KubeApiError, KubeUnreachableError } from '../../../src/kube/errors.ts';

describe('afterError', () => {
  it.each([
    ['a 409 Conflict (the cache lags)', new KubeApiError(409, 'the object has been modified', 'Conflict'), 'retry', 'no status'],
    ['a 503 from the apiserver', new KubeApiError(503, 'unavailable', 'ServiceUnavailable'), 'retry', 'no status'],
    ['a 429 from the apiserver', new KubeApiError(429, 'too many requests', 'TooManyRequests'), 'retry', 'no status'],
    ['a 404 (the object is gone)', new KubeApiError(404, 'not found', 'NotFound'), 'done', 'no status'],
    ['an unreachable apiserver', new KubeUnreachableError('ECONNREFUSED'), 'retry', 'no status'],
    ['etcd unavailable', new EtcdUnavailableError('no leader'), 'retry', 'transient EtcdUnavailable'],
    ['a commit of unknown outcome', new EtcdOutcomeUnknownError('deadline exceeded'), 'retry', 'transient CommitOutcomeUnknown'],
    ['a transient Cairn error', new TransientError('EtcdUnavailable', 'etcd did not answer'), 'retry', 'transient EtcdUnavailable'],
    ['a terminal Cairn error', new TerminalError('InvalidSpec', 'not a ConfigEntry'), 'done', 'terminal InvalidSpec'],
    ['fencing lost (deposed)', new FencingLostError('another leader took over'), 'done', 'no status'],
    ['no fence while this replica fences again (its own move failed)', new FenceUnavailableError('could not move the fence'), 'retry', 'no status'],
    ['an error of no known class (a bug)', new Error('undefined is not a function'), 'retry', 'no status'],
  ])('%s: %s, %s', (_name, error, next, status) => {
    const verdict = afterError(error);
    expect(verdict.next.kind).toBe(next);
    expect(verdict.status === undefined ? 'no status' : `${verdict.status.kind} ${verdict.status.reason}`).toBe(status);
  });

  it('writes the error message into the status it decides', () => {
    expect(afterError(new EtcdUnavailableError('read /cairn/data/shop/db: no leader')).status?.message).toBe('read /cairn/data/shop/db: no leader');
  });

  it('does not count a deposed leader stepping aside as a reconcile error; every other error counts', () => {
    expect(afterError(new FencingLostError('moved')).isReconcileError).toBe(false);
    expect(afterError(new FenceUnavailableError('fencing again')).isReconcileError).toBe(false);
    expect(afterError(new KubeApiError(409, 'modified', 'Conflict')).isReconcileError).toBe(true);
    expect(afterError(new Error('bug')).isReconcileError).toBe(true);
  });

  it('never asks for an immediate requeue: every retry goes through the rate limiter', () => {
    for (const error of [new KubeApiError(409, 'modified', 'Conflict'), new EtcdUnavailableError('down'), new FenceUnavailableError('fencing again'), new Error('bug')]) {
      expect(afterError(error).next).toEqual({ kind: 'retry' });
    }
  });
});

describe('afterOutcome', () => {
  it.each([
    [{ kind: 'committed', key: '/cairn/data/shop/db', revision: '4', dataHash: 'sha256:ab', schema: 'database@v1', wrote: true } as const, 'done'],
    [{ kind: 'terminal', reason: 'InvalidData', message: 'bad' } as const, 'done'],
    [{ kind: 'driftReported', message: 'changed' } as const, 'done'],
    [{ kind: 'transient', reason: 'CompareFailed', message: 'the keys kept changing' } as const, 'retry'],
    [{ kind: 'transient', reason: 'DriftFight', message: 'keeps changing outside Cairn', requeueAfterMs: 4_000 } as const, 'requeueAfter'],
  ])('%j -> %s', (outcome, next) => {
    expect(afterOutcome(outcome).kind).toBe(next);
  });

  it('requeues a deferred drift correction after exactly its wait, outside the rate limiter', () => {
    expect(afterOutcome({ kind: 'transient', reason: 'DriftFight', message: 'keeps changing', requeueAfterMs: 4_000 })).toEqual({ kind: 'requeueAfter', afterMs: 4_000 });
  });
});
