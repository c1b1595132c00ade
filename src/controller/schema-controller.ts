/**
 * The ConfigSchema controller: its own informer and work queue (the same WorkQueue, so the same rate
 * limiting) feeding the SchemaReconciler. It writes under the ConfigEntry manager's leadership: it
 * reads that manager's fence and reports fencing lost to it, and the manager queues every schema
 * whenever it fences (`queueAll`).
 *
 * Queued for the full reconcile: a schema whose spec, finalizers or deletion changed (not its status:
 * our own writes). A schema an entry starts or stops naming goes to a second queue that only patches
 * its ENTRIES count (schema-count.ts), coalesced: the first such change arms one delayed add per
 * schema (`addAfter`: later changes before it fires add nothing), so a burst of entry creates costs
 * at most one status patch per schema per COUNT_INTERVAL_MS. A schema whose users decide more than
 * its count (a deletion pending, Stalled SchemaInUse) goes to the full reconcile at once, as before.
 */
import { metadataChanged } from './changed-for-reconcile.ts';
import type { Logger } from 'pino';
import type { ConfigSchema } from '../api/config-schema.ts';
import { SCHEMA_CONTROLLER_NAME } from '../api/names.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Runnable } from './manager.ts';
import { SchemaReconciler, type SchemaReconcileDeps } from './schema-reconciler.ts';
import type { SchemaCache } from './schema-ports.ts';
import { WorkQueue } from './work-queue.ts';
import { queueMetrics } from './queue-metrics.ts';
import { needsFullReconcile, refreshEntryCount } from './schema-count.ts';

/** How long entry changes are gathered before one patch of a schema's ENTRIES count. */
export const COUNT_INTERVAL_MS = 1000;

export interface SchemaControllerParts extends Omit<SchemaReconcileDeps, 'cache'> {
  readonly createInformer: (onChange: (key: string, before: ConfigSchema | undefined, after: ConfigSchema | undefined) => void) => SchemaCache & Runnable & { readonly hasSynced: boolean };
  readonly concurrency: number;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Overrides COUNT_INTERVAL_MS (scenarios). */
  readonly countIntervalMs?: number;
}

export class SchemaController implements Runnable {
  private readonly informer: SchemaCache & Runnable & { readonly hasSynced: boolean };
  private readonly queue: WorkQueue;
  /** Entry-count patches only (schema-count.ts): keys arrive through `addAfter`, coalesced. */
  private readonly counts: WorkQueue;
  private readonly countIntervalMs: number;
  private readonly embedded: readonly string[];

  constructor(parts: SchemaControllerParts) {
    this.embedded = [...parts.embedded.keys()];
    this.informer = parts.createInformer((key, before, after) => {
      if (after === undefined || before === undefined || changedForSchemaReconcile(before, after)) this.queue.add(key);
    });
    const reconciler = new SchemaReconciler({ ...parts, cache: this.informer });
    const m = parts.metrics;
    const name = SCHEMA_CONTROLLER_NAME;
    this.queue = new WorkQueue({
      concurrency: parts.concurrency,
      process: (key) => reconciler.reconcile(key),
      backoffBaseMs: 100,
      backoffMaxMs: 60_000,
      onUnexpectedError: (key, error) => parts.log.error({ key, err: error }, 'schema reconcile threw'),
      hooks: queueMetrics(m, name),
    });
    this.countIntervalMs = parts.countIntervalMs ?? COUNT_INTERVAL_MS;
    const countDeps = { ...parts, cache: this.informer };
    this.counts = new WorkQueue({
      concurrency: 1,
      process: async (key) => {
        const result = await refreshEntryCount(key, countDeps);
        if (result !== 'full') return result;
        this.queue.add(key);
        return { kind: 'done' };
      },
      backoffBaseMs: 100,
      backoffMaxMs: 60_000,
      onUnexpectedError: (key, error) => parts.log.error({ key, err: error }, 'schema entry count threw'),
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    await this.counts.shutdown();
    await this.queue.shutdown();
    await this.informer.stop();
  }

  /** Every schema, and every embedded one even if absent (so it is created), e.g. when this replica starts leading. */
  queueAll(): void {
    for (const key of new Set([...this.informer.keys(), ...this.embedded])) this.queue.add(key);
  }

  /** One schema by name (an entry started or stopped naming it): its count, or its full reconcile when the users decide more. */
  queueSchema(name: string): void {
    const cached = this.informer.get(name);
    if (cached === undefined) return;
    if (needsFullReconcile(cached)) this.queue.add(name);
    else this.counts.addAfter(name, this.countIntervalMs);
  }
}

/** A change worth a reconcile: spec (generation), finalizers, deletion or labels; not status alone. */
export function changedForSchemaReconcile(before: ConfigSchema, after: ConfigSchema): boolean {
  return metadataChanged(before.metadata, after.metadata) || JSON.stringify(before.metadata.labels ?? {}) !== JSON.stringify(after.metadata.labels ?? {});
}
