/**
 * Which Kubernetes Event a reconcile deserves. Events tell what happened to the committed value and
 * what went wrong, as `kubectl describe` readers expect: a Normal Event when the revision holding the
 * entry's value changed (a value written by Cairn, or identical bytes written again behind its back:
 * the revision status names moves either way), a Warning when a failure starts or changes, nothing when a reconcile only
 * confirms what status already says (a resync, a restart, a requeue, a recovery that commits nothing).
 */
import type { ConfigEntryStatus } from '../api/config-entry.ts';
import { COMMITTED, DRIFT_CORRECTED, DRIFT_REPORTED, FIELDS_PRUNED, READY, UNKNOWN_FIELDS_PRUNED } from '../api/conditions.ts';
import { findCondition, truncateMessage } from './conditions.ts';
import type { BundleOutcome, Outcome } from './outcome.ts';
import type { ConfigBundleStatus } from '../api/config-bundle.ts';

export interface EntryEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/**
 * The Event for going from `before` to `after` (computed by nextStatus from `outcome`), or undefined.
 *
 * Guarantees:
 * - committed, having written a value that restores an outside change: Normal DriftCorrected.
 * - committed otherwise: Normal Committed only when the committed revision differs from the one
 *   `before` recorded (a new value, or one committed but never reported, as after a crash between the
 *   transaction and the status patch). A reconcile that finds the recorded revision again emits
 *   nothing, even when Ready goes back to True after a failure (the Warning told of the failure;
 *   status tells that it is over).
 * - terminal, transient, driftReported: Warning with the outcome's reason when Ready's status, reason
 *   or message changed, so a retry that ends as the previous one did emits nothing.
 * Assumption: `after.revision` is the revision nextStatus recorded for `outcome` (a committed outcome
 * always records one).
 */
export function eventFor<S extends ConfigEntryStatus | ConfigBundleStatus>(before: S | undefined, after: S, outcome: Outcome | BundleOutcome): EntryEvent | undefined {
  const is = findCondition(after, READY);
  if (is === undefined) return undefined;
  if (outcome.kind === 'committed') {
    if (outcome.driftCorrected === true && outcome.wrote) {
      return { type: 'Normal', reason: DRIFT_CORRECTED, message: truncateMessage(`restored after an outside change: ${is.message}`) };
    }
    return after.revision === before?.revision ? undefined : { type: 'Normal', reason: COMMITTED, message: is.message };
  }
  const was = findCondition(before, READY);
  const changed = was === undefined || was.status !== is.status || was.reason !== is.reason || was.message !== is.message;
  if (!changed) return undefined;
  return { type: 'Warning', reason: outcome.kind === 'driftReported' ? DRIFT_REPORTED : outcome.reason, message: is.message };
}

/**
 * Warning UnknownFieldsPruned, naming the pruned paths (the FieldsPruned message, bounded as every
 * condition message), when `after` holds FieldsPruned for a generation `before` did not (or with
 * another message): once per generation whose commit pruned fields. A resync or a restart computes
 * the same condition (the verdict cache keeps what was pruned), and a failure in between keeps it,
 * so neither repeats the Event; a new generation that still has the field does.
 */
export function prunedFieldsEventFor<S extends ConfigEntryStatus | ConfigBundleStatus>(before: S | undefined, after: S): EntryEvent | undefined {
  const is = findCondition(after, FIELDS_PRUNED);
  if (is?.status !== 'True') return undefined;
  const was = findCondition(before, FIELDS_PRUNED);
  if (was?.status === is.status && was.observedGeneration === is.observedGeneration && was.message === is.message) return undefined;
  return { type: 'Warning', reason: UNKNOWN_FIELDS_PRUNED, message: is.message };
}

/** Every Event going from `before` to `after` deserves, in order: the transition's (eventFor), then UnknownFieldsPruned. */
export function eventsFor<S extends ConfigEntryStatus | ConfigBundleStatus>(before: S | undefined, after: S, outcome: Outcome | BundleOutcome): EntryEvent[] {
  const events: EntryEvent[] = [];
  const transition = eventFor(before, after, outcome);
  if (transition !== undefined) events.push(transition);
  const pruned = prunedFieldsEventFor(before, after);
  if (pruned !== undefined) events.push(pruned);
  return events;
}
