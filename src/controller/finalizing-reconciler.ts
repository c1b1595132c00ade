/**
 * The reconcile every namespaced kind of Cairn runs (ConfigEntry, ConfigBundle), by key
 * (`namespace/name`), level-based: it reads the object from the informer's cache and switches on its
 * finalizer state; the kind supplies its steps (commit, clean up, report status).
 *
 *   finalizer state   step
 *   released          nothing (the apiserver finishes the deletion)
 *   finalizing        clean up etcd as deletionPolicy says, then remove the finalizer
 *   needsFinalizer    add the finalizer (usually done at admission for entries), then as active
 *   active            validate, plan, commit, report status
 *
 * Contract: returns what the queue should do next; never throws (errors go through error-policy).
 * Nothing is reconciled while this replica holds no fence.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ObjectMeta } from '../api/config-entry.ts';
import { TerminalError } from '../domain/errors.ts';
import { finalizerState, withFinalizer, withoutFinalizer } from '../domain/finalizer.ts';
import type { BundleOutcome, Outcome } from '../domain/outcome.ts';
import type { Fence } from '../domain/types.ts';
import type { Metrics } from '../observability/metrics.ts';
import { timed } from './context.ts';
import type { DriftFight } from './drift-fight.ts';
import { afterOutcome, type ErrorVerdict } from './error-policy.ts';
import type { Fencing } from './ports.ts';
import { runReconcile } from './run-reconcile.ts';
import type { ProcessResult } from './work-queue.ts';

const DONE: ProcessResult = { kind: 'done' };

type Parsed<T> = { readonly ok: true; readonly object: T } | { readonly ok: false; readonly message: string };
export type Cleanup<O> = { readonly kind: 'released'; readonly message: string } | { readonly kind: 'retry'; readonly outcome: O };

/** What one kind brings to the reconcile. */
export interface KindSteps<T extends { readonly metadata: ObjectMeta }, O extends Outcome | BundleOutcome> {
  /** Metrics and log name of the controller (`configentry`). */
  readonly controller: string;
  /** `ConfigEntry`: named in the message of an object that does not parse. */
  readonly kind: string;
  readonly fencing: Fencing;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly cache: { get(key: string): unknown; replaceIfUnchanged(key: string, fromResourceVersion: string | undefined, object: T): void };
  readonly writer: { setFinalizers(namespace: string, name: string, finalizers: readonly string[], resourceVersion: string): Promise<T> };
  parse(object: unknown): Parsed<T>;
  commit(object: T, fence: Fence, driftFight: DriftFight): Promise<O>;
  cleanUp(object: T, fence: Fence): Promise<Cleanup<O>>;
  report(object: T, outcome: O | NonNullable<ErrorVerdict['status']>, log: Logger, fence: Fence): Promise<void>;
}

export class FinalizingReconciler<T extends { readonly metadata: ObjectMeta }, O extends Outcome | BundleOutcome> {
  private readonly steps: KindSteps<T, O>;
  private readonly driftFight: DriftFight;

  constructor(steps: KindSteps<T, O>, driftFight: DriftFight) {
    this.steps = steps;
    this.driftFight = driftFight;
  }

  async reconcile(key: string): Promise<ProcessResult> {
    const { steps } = this;
    const fence = steps.fencing.current();
    if (fence === undefined) return DONE; // not leading: whoever leads reconciles everything on takeover
    const cached = steps.cache.get(key);
    if (cached === undefined) {
      this.driftFight.forget(key);
      return DONE; // gone; its finalizer already ran
    }
    const log = steps.log.child({ controller: steps.controller, key, reconcileID: randomUUID() });
    return runReconcile(steps.controller, { metrics: steps.metrics, log }, () => this.run(cached, fence, log), (status) => this.reportFailure(cached, status, log, fence));
  }

  private async run(cached: unknown, fence: Fence, log: Logger): Promise<ProcessResult> {
    const parsed = this.steps.parse(cached);
    if (!parsed.ok) throw new TerminalError('InvalidSpec', `the object is not a valid ${this.steps.kind}: ${parsed.message}`);
    let object = parsed.object;
    switch (finalizerState(object.metadata)) {
      case 'released':
        return DONE;
      case 'finalizing':
        return this.finalize(object, fence, log);
      case 'needsFinalizer':
        object = await this.setFinalizers(object, withFinalizer(object.metadata.finalizers));
        break;
      case 'active':
        break;
    }
    const outcome = await this.steps.commit(object, fence, this.driftFight);
    await this.steps.report(object, outcome, log, fence);
    return afterOutcome(outcome);
  }

  private async finalize(object: T, fence: Fence, log: Logger): Promise<ProcessResult> {
    const cleanup = await this.steps.cleanUp(object, fence);
    if (cleanup.kind === 'retry') {
      await this.steps.report(object, cleanup.outcome, log, fence);
      return afterOutcome(cleanup.outcome);
    }
    await this.setFinalizers(object, withoutFinalizer(object.metadata.finalizers));
    this.driftFight.forget(`${object.metadata.namespace}/${object.metadata.name}`);
    log.info({ message: cleanup.message }, 'finalized');
    return DONE;
  }

  private async setFinalizers(object: T, finalizers: string[]): Promise<T> {
    const { namespace, name, resourceVersion } = object.metadata;
    const updated = await timed(this.steps.metrics, 'finalizer', () => this.steps.writer.setFinalizers(namespace, name, finalizers, resourceVersion ?? ''));
    this.steps.cache.replaceIfUnchanged(`${namespace}/${name}`, resourceVersion, updated);
    const parsed = this.steps.parse(updated);
    return parsed.ok ? parsed.object : object;
  }

  /** The status the error policy chose for an error that escaped the steps (nothing for an unparsable object). */
  private async reportFailure(cached: unknown, status: NonNullable<ErrorVerdict['status']>, log: Logger, fence: Fence): Promise<void> {
    const parsed = this.steps.parse(cached);
    if (parsed.ok) await this.steps.report(parsed.object, status, log, fence);
  }
}
