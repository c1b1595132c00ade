/**
 * Reconcile one ConfigBundle, by key (`namespace/name`): the reconcile of finalizing-reconciler.ts
 * with a bundle's steps. finalizing: delete (Delete) or release (Retain) every member it owns in one
 * transaction (delete-bundle.ts); needsFinalizer: no admission policy adds it for bundles, so the
 * reconciler does; active: validate every member, plan, commit one transaction (commit-bundle.ts),
 * report status (report-bundle-status.ts). Nothing is reconciled while this replica holds no fence
 * (the entry manager's: one leadership).
 */
import { type ConfigBundle, parseConfigBundle } from '../api/config-bundle.ts';
import { BUNDLE_CONTROLLER_NAME, BUNDLE_KIND } from '../api/names.ts';
import type { BundleOutcome } from '../domain/outcome.ts';
import type { BundleReconcileDeps } from './bundle-ports.ts';
import { commitBundle } from './commit-bundle.ts';
import { cleanUpBundle } from './delete-bundle.ts';
import { DriftFight } from './drift-fight.ts';
import { FinalizingReconciler } from './finalizing-reconciler.ts';
import { reportBundleStatus } from './report-bundle-status.ts';
import type { ProcessResult } from './work-queue.ts';

export class BundleReconciler {
  private readonly inner: FinalizingReconciler<ConfigBundle, BundleOutcome>;

  constructor(deps: BundleReconcileDeps, driftFight: DriftFight = new DriftFight({ now: () => performance.now() })) {
    this.inner = new FinalizingReconciler<ConfigBundle, BundleOutcome>(
      {
        controller: BUNDLE_CONTROLLER_NAME,
        kind: BUNDLE_KIND,
        fencing: deps.fencing,
        metrics: deps.metrics,
        log: deps.log,
        cache: deps.cache,
        writer: deps.writer,
        parse: (object) => {
          const parsed = parseConfigBundle(object);
          return parsed.ok ? { ok: true, object: parsed.bundle } : parsed;
        },
        commit: (bundle, fence, fight) => commitBundle(bundle, fence, deps, fight),
        cleanUp: (bundle, fence) => cleanUpBundle(bundle, fence, deps),
        report: (bundle, outcome, log, fence) => reportBundleStatus(bundle, outcome, deps, log, fence),
      },
      driftFight,
    );
  }

  reconcile(key: string): Promise<ProcessResult> {
    return this.inner.reconcile(key);
  }
}
