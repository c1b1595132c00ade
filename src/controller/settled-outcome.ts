/**
 * What entries and bundles do alike with a plan's decision before any write: the decisions that end
 * the reconcile without a transaction (invalid, a conflict, drift reported), and a correction the
 * drift fight defers.
 */
import { DRIFT_FIGHT, KEY_CONFLICT, VALUE_CONFLICT } from '../api/conditions.ts';
import type { Outcome } from '../domain/outcome.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { DriftFight } from './drift-fight.ts';

type Settled = Extract<Outcome, { kind: 'terminal' | 'driftReported' }>;
type Deferred = Extract<Outcome, { kind: 'transient' }>;

/** The outcome of a decision that writes nothing and reads nothing, or undefined for any other decision. */
export function settledWithoutWrite(decision: { readonly kind: string; readonly message?: string; readonly reason?: string }, metrics: Metrics): Settled | undefined {
  const message = decision.message ?? '';
  switch (decision.kind) {
    case 'invalid':
      return { kind: 'terminal', reason: decision.reason ?? 'Invalid', message };
    case 'keyConflict':
      return { kind: 'terminal', reason: KEY_CONFLICT, message };
    case 'valueConflict':
      return { kind: 'terminal', reason: VALUE_CONFLICT, message };
    case 'driftReported':
      metrics.drift.inc({ action: 'reported' });
      return { kind: 'driftReported', message };
    default:
      return undefined;
  }
}

/** A DriftFight outcome when `key` must wait before its next correction (`what` names the values), else undefined. */
export function deferredCorrection(driftFight: DriftFight, key: string, what: string, metrics: Metrics): Deferred | undefined {
  const verdict = driftFight.check(key);
  if (verdict.kind !== 'wait') return undefined;
  metrics.drift.inc({ action: 'deferred' });
  return { kind: 'transient', reason: DRIFT_FIGHT, message: `${what} keeps changing outside Cairn: ${driftFight.describe()}`, requeueAfterMs: verdict.waitMs };
}
