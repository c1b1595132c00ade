/**
 * Which Kubernetes Event a status transition deserves. Events mirror transitions, not reconciles:
 * a retry that ends as the previous one did emits nothing.
 */
import type { ConfigEntryStatus } from '../api/config-entry.ts';
import { COMMITTED, DRIFT_CORRECTED, DRIFT_REPORTED, READY } from '../api/conditions.ts';
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
 * - committed: Normal DriftCorrected when the write restored drift; otherwise Normal Committed when
 *   Ready's status, reason or message changed (the message names the revision, so every new commit
 *   counts, and an upToDate resync does not).
 * - terminal, transient, driftReported: Warning with the outcome's reason when Ready's status, reason
 *   or message changed.
 */
export function eventFor<S extends ConfigEntryStatus | ConfigBundleStatus>(before: S | undefined, after: S, outcome: Outcome | BundleOutcome): EntryEvent | undefined {
  const was = findCondition(before, READY);
  const is = findCondition(after, READY);
  if (is === undefined) return undefined;
  if (outcome.kind === 'committed' && outcome.driftCorrected === true && outcome.wrote) {
    return { type: 'Normal', reason: DRIFT_CORRECTED, message: truncateMessage(`restored after an outside change: ${is.message}`) };
  }
  const changed = was === undefined || was.status !== is.status || was.reason !== is.reason || was.message !== is.message;
  if (!changed) return undefined;
  switch (outcome.kind) {
    case 'committed':
      return { type: 'Normal', reason: COMMITTED, message: is.message };
    case 'driftReported':
      return { type: 'Warning', reason: DRIFT_REPORTED, message: is.message };
    default:
      return { type: 'Warning', reason: outcome.reason, message: is.message };
  }
}
