/**
 * Reconcile one ConfigBundle, by key (`namespace/name`), level-based, as reconciler.ts reconciles an
 * entry: it reads the bundle from the informer's cache and etcd's state from the store view.
 *
 *   finalizer state   step
 *   released          nothing (the apiserver finishes the deletion)
 *   finalizing        delete (Delete) or release (Retain) every member it owns, one transaction; remove the finalizer
 *   needsFinalizer    add the finalizer (no admission policy adds it for bundles), then as active
 *   active            validate every member, plan, commit one transaction, report status
 *
 * Contract: returns what the queue should do next; never throws (errors go through error-policy).
 * Nothing is reconciled while this replica holds no fence (the entry manager's: one leadership).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type ConfigBundle, parseConfigBundle } from '../api/config-bundle.ts';
import { BUNDLE_CONTROLLER_NAME } from '../api/names.ts';
import { TerminalError } from '../domain/errors.ts';
import { finalizerState, withFinalizer, withoutFinalizer } from '../domain/finalizer.ts';
import type { Fence } from '../domain/types.ts';
import type { BundleReconcileDeps } from './bundle-ports.ts';
import { commitBundle } from './commit-bundle.ts';
import { timed } from './context.ts';
import { cleanUpBundle } from './delete-bundle.ts';
import { DriftFight } from './drift-fight.ts';
import { afterOutcome, type ErrorVerdict } from './error-policy.ts';
import { reportBundleStatus } from './report-bundle-status.ts';
import { runReconcile } from './run-reconcile.ts';
import type { ProcessResult } from './work-queue.ts';

const DONE: ProcessResult = { kind: 'done' };

export class BundleReconciler {
  private readonly deps: BundleReconcileDeps;
  private readonly driftFight: DriftFight;

  constructor(deps: BundleReconcileDeps, driftFight: DriftFight = new DriftFight({ now: () => performance.now() })) {
    this.deps = deps;
    this.driftFight = driftFight;
  }

  async reconcile(key: string): Promise<ProcessResult> {
    const { deps } = this;
    const fence = deps.fencing.current();
    if (fence === undefined) return DONE; // not leading: whoever leads reconciles everything on takeover
    const cached = deps.cache.get(key);
    if (cached === undefined) {
      this.driftFight.forget(key);
      return DONE;
    }
    const log = deps.log.child({ controller: BUNDLE_CONTROLLER_NAME, key, reconcileID: randomUUID() });
    return runReconcile(BUNDLE_CONTROLLER_NAME, { metrics: deps.metrics, log }, () => this.steps(cached, fence, log), (status) => this.reportFailure(cached, status, log, fence));
  }

  private async steps(cached: ConfigBundle, fence: Fence, log: Logger): Promise<ProcessResult> {
    const parsed = parseConfigBundle(cached);
    if (!parsed.ok) throw new TerminalError('InvalidSpec', `the object is not a valid ConfigBundle: ${parsed.message}`);
    let bundle = parsed.bundle;
    switch (finalizerState(bundle.metadata)) {
      case 'released':
        return DONE;
      case 'finalizing':
        return this.finalize(bundle, fence, log);
      case 'needsFinalizer':
        bundle = await this.setFinalizers(bundle, withFinalizer(bundle.metadata.finalizers));
        break;
      case 'active':
        break;
    }
    const outcome = await commitBundle(bundle, fence, this.deps, this.driftFight);
    await reportBundleStatus(bundle, outcome, this.deps, log, fence);
    return afterOutcome(outcome);
  }

  private async finalize(bundle: ConfigBundle, fence: Fence, log: Logger): Promise<ProcessResult> {
    const cleanup = await cleanUpBundle(bundle, fence, this.deps);
    if (cleanup.kind === 'retry') {
      await reportBundleStatus(bundle, cleanup.outcome, this.deps, log, fence);
      return afterOutcome(cleanup.outcome);
    }
    await this.setFinalizers(bundle, withoutFinalizer(bundle.metadata.finalizers));
    this.driftFight.forget(`${bundle.metadata.namespace}/${bundle.metadata.name}`);
    log.info({ message: cleanup.message }, 'finalized');
    return DONE;
  }

  private async setFinalizers(bundle: ConfigBundle, finalizers: string[]): Promise<ConfigBundle> {
    const { namespace, name, resourceVersion } = bundle.metadata;
    const updated = await timed(this.deps.metrics, 'finalizer', () => this.deps.writer.setFinalizers(namespace, name, finalizers, resourceVersion ?? ''));
    this.deps.cache.replaceIfUnchanged(`${namespace}/${name}`, resourceVersion, updated);
    const parsed = parseConfigBundle(updated);
    return parsed.ok ? parsed.bundle : bundle;
  }

  private async reportFailure(bundle: ConfigBundle, status: NonNullable<ErrorVerdict['status']>, log: Logger, fence: Fence): Promise<void> {
    const parsed = parseConfigBundle(bundle);
    if (parsed.ok) await reportBundleStatus(parsed.bundle, status, this.deps, log, fence);
  }
}
