/**
 * The one place that decides what happens after a reconcile, as kube-rs's `reconcile -> Action` and
 * `error_policy` do: the reconciler returns an Outcome (the steps ran to an expected end) or throws,
 * and this module alone decides when the key runs again and, for an error, whether and what status
 * is written. Every retry of a failure goes through the queue's rate limiter (controller/rate-limiter.ts);
 * a deliberate wait (a deferred drift correction) is a plain delayed requeue, as controller-runtime's
 * RequeueAfter: it is not a failure, so it neither counts one nor takes a token from the bucket all
 * keys share (a fast outside writer would otherwise spend that bucket at its own rate). Its rate is
 * bounded by the wait itself, which the drift fight's own backoff sets.
 *
 *   outcome                            next
 *   committed, terminal, driftReported done (backoff reset); a spec change or drift queues it again
 *   transient (etcd down, CompareFailed
 *     after replanning)                rate-limited retry
 *   transient with requeueAfterMs
 *     (DriftFight: a deferred fix)     requeueAfter: runs again after exactly that, no limiter
 *
 *   thrown error                       status written                 next
 *   FencingLostError                   none: the new leader owns it   done (the new leader reconciles)
 *   FenceUnavailableError (our own     none: nobody else writes, and  retry (rate limited; the
 *     fence move failed; fencing again)  nothing changed for the user   takeover also queues every entry)
 *   from the Kubernetes API            none: the status write is the  its class: conflict (409: the
 *     (KubeApiError, unreachable)        same kind of request          cache lags), transient -> retry;
 *                                                                      terminal (other 4xx) -> done
 *   Cairn's own, terminal              Stalled with its reason        done
 *   Cairn's own, transient (etcd)      Reconciling with its reason    retry
 *   anything else (a bug, a library)   none (no reason to show)       retry
 */
import { CairnError, FenceUnavailableError, FencingLostError, classifyError } from '../domain/errors.ts';
import type { BundleOutcome, Outcome } from '../domain/outcome.ts';
import type { ProcessResult } from './work-queue.ts';

const DONE: ProcessResult = { kind: 'done' };
const RETRY: ProcessResult = { kind: 'retry' };

export function afterOutcome(outcome: Outcome | BundleOutcome): ProcessResult {
  switch (outcome.kind) {
    case 'committed':
    case 'terminal':
    case 'driftReported':
      return DONE;
    case 'transient':
      return outcome.requeueAfterMs === undefined ? RETRY : { kind: 'requeueAfter', afterMs: outcome.requeueAfterMs };
  }
}

/** What the reconciler does about an error its steps threw. */
export interface ErrorVerdict {
  /** What the queue does next. */
  readonly next: ProcessResult;
  /** The status the error deserves, or undefined to write none. */
  readonly status: Extract<Outcome, { kind: 'terminal' | 'transient' }> | undefined;
  /** Whether it counts as a reconcile error (controller_runtime_reconcile_errors_total). */
  readonly isReconcileError: boolean;
  /** The log line (level warn) that says what happened. */
  readonly logMessage: string;
}

export function afterError(error: unknown): ErrorVerdict {
  if (error instanceof FencingLostError) return { next: DONE, status: undefined, isReconcileError: false, logMessage: 'fencing lost; leaving this entry to the new leader' };
  if (error instanceof FenceUnavailableError) return { next: RETRY, status: undefined, isReconcileError: false, logMessage: 'no fence while this replica fences again; retrying later' };
  const failureClass = classifyError(error);
  const next = failureClass === 'terminal' ? DONE : RETRY;
  const failed = { next, isReconcileError: true, logMessage: 'reconcile failed' };
  if (!(error instanceof CairnError) || error.fromKubernetesApi || failureClass === 'conflict') return { ...failed, status: undefined };
  const kind = failureClass === 'terminal' ? 'terminal' : 'transient';
  return { ...failed, status: { kind, reason: error.reason, message: error.message } };
}
