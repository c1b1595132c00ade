/**
 * The one place that decides what happens after a reconcile: its Outcome, or an error it threw.
 *
 *   committed, terminal, driftReported  -> done (backoff reset); a spec change or drift requeues it
 *   transient (etcd down, fencing lost) -> retry with per-key exponential backoff
 *   CompareFailed after replanning      -> retry with backoff (someone keeps changing the keys)
 *   thrown error                        -> its class decides: terminal -> done; conflict, transient
 *                                          (and anything unknown) -> rate-limited retry
 */
import type { Outcome } from '../domain/outcome.ts';
import { classifyError } from '../domain/errors.ts';
import type { ProcessResult } from './work-queue.ts';

export function afterOutcome(outcome: Outcome): ProcessResult {
  switch (outcome.kind) {
    case 'committed':
    case 'terminal':
    case 'driftReported':
      return { kind: 'done' };
    case 'transient':
    case 'progressing':
      return { kind: 'retry' };
  }
}

export function afterError(error: unknown): ProcessResult {
  switch (classifyError(error)) {
    case 'terminal':
      return { kind: 'done' };
    case 'conflict': // the cache lags the apiserver: retrying at once would meet the same 409
    case 'transient':
      return { kind: 'retry' };
  }
}
