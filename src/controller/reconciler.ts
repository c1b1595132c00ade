/**
 * Reconcile one ConfigEntry, by key (`namespace/name`), level-based: it reads the entry from the
 * informer's cache and etcd's state from the store view, never from the event that queued it.
 *
 *   finalizer state   step
 *   released          nothing (the apiserver finishes the deletion)
 *   finalizing        clean up etcd as deletionPolicy says, then remove the finalizer
 *   needsFinalizer    add the finalizer (usually done at admission), then as active
 *   active            validate, plan, commit, report status
 *
 * The switch itself is finalizing-reconciler.ts, shared with ConfigBundle; this file gives it the
 * entry's steps (commit-entry.ts, delete-entry.ts, report-status.ts).
 *
 * Contract: returns what the queue should do next; never throws (errors go through error-policy).
 * Nothing is reconciled while this replica holds no fence.
 */
import { type ConfigEntry, parseConfigEntry } from '../api/config-entry.ts';
import type { Outcome } from '../domain/outcome.ts';
import { CONTROLLER_NAME, KIND } from '../api/names.ts';
import { commitEntry } from './commit-entry.ts';
import type { ReconcileDeps } from './context.ts';
import { cleanUpEntry } from './delete-entry.ts';
import { DriftFight } from './drift-fight.ts';
import { FinalizingReconciler } from './finalizing-reconciler.ts';
import { reportStatus } from './report-status.ts';
import type { ProcessResult } from './work-queue.ts';

export interface ReconcilerOptions {
  /** Slows corrections of values that keep changing outside Cairn (default: its own, on the monotonic clock). */
  readonly driftFight?: DriftFight;
}

export class Reconciler {
  private readonly inner: FinalizingReconciler<ConfigEntry, Outcome>;

  constructor(deps: ReconcileDeps, options: ReconcilerOptions = {}) {
    this.inner = new FinalizingReconciler<ConfigEntry, Outcome>(
      {
        controller: CONTROLLER_NAME,
        kind: KIND,
        fencing: deps.fencing,
        metrics: deps.metrics,
        log: deps.log,
        cache: deps.cache,
        writer: deps.writer,
        parse: (object) => {
          const parsed = parseConfigEntry(object);
          return parsed.ok ? { ok: true, object: parsed.entry } : parsed;
        },
        commit: (entry, fence, driftFight) => commitEntry(entry, fence, deps, driftFight),
        cleanUp: (entry, fence) => cleanUpEntry(entry, fence, deps),
        report: (entry, outcome, log, fence) => reportStatus(entry, outcome, deps, log, fence),
      },
      options.driftFight ?? new DriftFight({ now: () => performance.now() }),
    );
  }

  reconcile(key: string): Promise<ProcessResult> {
    return this.inner.reconcile(key);
  }
}
