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
 * Contract: returns what the queue should do next; never throws (errors go through error-policy).
 * Nothing is reconciled while this replica holds no fence.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type ConfigEntry, parseConfigEntry } from '../api/config-entry.ts';
import { CONTROLLER_NAME } from '../api/names.ts';
import { TerminalError } from '../domain/errors.ts';
import { finalizerState, withFinalizer, withoutFinalizer } from '../domain/finalizer.ts';
import type { Fence } from '../domain/types.ts';
import { commitEntry } from './commit-entry.ts';
import { type ReconcileDeps, timed } from './context.ts';
import { cleanUpEntry } from './delete-entry.ts';
import { DriftFight } from './drift-fight.ts';
import { afterOutcome, type ErrorVerdict } from './error-policy.ts';
import { reportStatus } from './report-status.ts';
import { runReconcile } from './run-reconcile.ts';
import type { ProcessResult } from './work-queue.ts';

const DONE: ProcessResult = { kind: 'done' };

export interface ReconcilerOptions {
  /** Slows corrections of values that keep changing outside Cairn (default: its own, on the monotonic clock). */
  readonly driftFight?: DriftFight;
}

export class Reconciler {
  private readonly deps: ReconcileDeps;
  private readonly driftFight: DriftFight;

  constructor(deps: ReconcileDeps, options: ReconcilerOptions = {}) {
    this.deps = deps;
    this.driftFight = options.driftFight ?? new DriftFight({ now: () => performance.now() });
  }

  async reconcile(key: string): Promise<ProcessResult> {
    const { deps } = this;
    const fence = deps.fencing.current();
    if (fence === undefined) return DONE; // not leading: whoever leads reconciles everything on takeover
    const cached = deps.cache.get(key);
    if (cached === undefined) {
      this.driftFight.forget(key);
      return DONE; // gone; its finalizer already ran
    }
    const log = deps.log.child({ controller: CONTROLLER_NAME, key, reconcileID: randomUUID() });
    return runReconcile(CONTROLLER_NAME, { metrics: deps.metrics, log }, () => this.steps(cached, fence, log), (status) => this.reportFailure(cached, status, log, fence));
  }

  private async steps(cached: ConfigEntry, fence: Fence, log: Logger): Promise<ProcessResult> {
    const parsed = parseConfigEntry(cached);
    if (!parsed.ok) throw new TerminalError('InvalidSpec', `the object is not a valid ConfigEntry: ${parsed.message}`);
    let entry = parsed.entry;
    switch (finalizerState(entry.metadata)) {
      case 'released':
        return DONE;
      case 'finalizing':
        return this.finalize(entry, fence, log);
      case 'needsFinalizer':
        entry = await this.setFinalizers(entry, withFinalizer(entry.metadata.finalizers));
        break;
      case 'active':
        break;
    }
    const outcome = await commitEntry(entry, fence, this.deps, this.driftFight);
    await reportStatus(entry, outcome, this.deps, log, fence);
    return afterOutcome(outcome);
  }

  private async finalize(entry: ConfigEntry, fence: Fence, log: Logger): Promise<ProcessResult> {
    const cleanup = await cleanUpEntry(entry, fence, this.deps);
    if (cleanup.kind === 'retry') {
      await reportStatus(entry, cleanup.outcome, this.deps, log, fence);
      return afterOutcome(cleanup.outcome);
    }
    await this.setFinalizers(entry, withoutFinalizer(entry.metadata.finalizers));
    this.driftFight.forget(`${entry.metadata.namespace}/${entry.metadata.name}`);
    log.info({ message: cleanup.message }, 'finalized');
    return DONE;
  }

  private async setFinalizers(entry: ConfigEntry, finalizers: string[]): Promise<ConfigEntry> {
    const { namespace, name, resourceVersion } = entry.metadata;
    const updated = await timed(this.deps.metrics, 'finalizer', () => this.deps.writer.setFinalizers(namespace, name, finalizers, resourceVersion ?? ''));
    this.deps.cache.replaceIfUnchanged(`${namespace}/${name}`, resourceVersion, updated);
    const parsed = parseConfigEntry(updated);
    return parsed.ok ? parsed.entry : entry;
  }

  /** The status the error policy chose for an error that escaped the steps (nothing for an unparsable object). */
  private async reportFailure(entry: ConfigEntry, status: NonNullable<ErrorVerdict['status']>, log: Logger, fence: Fence): Promise<void> {
    const parsed = parseConfigEntry(entry);
    if (parsed.ok) await reportStatus(parsed.entry, status, this.deps, log, fence);
  }
}
