/**
 * The ConfigSchema controller: its own informer and work queue (the same WorkQueue, so the same rate
 * limiting) feeding the SchemaReconciler. It writes under the ConfigEntry manager's leadership: it
 * reads that manager's fence and reports fencing lost to it, and the manager queues every schema
 * whenever it fences (`queueAll`).
 *
 * Queued: a schema whose spec, finalizers or deletion changed (not its status: our own writes), and
 * a schema an entry starts or stops naming (the entry count and deletion waits depend on entries).
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

export interface SchemaControllerParts extends Omit<SchemaReconcileDeps, 'cache'> {
  readonly createInformer: (onChange: (key: string, before: ConfigSchema | undefined, after: ConfigSchema | undefined) => void) => SchemaCache & Runnable & { readonly hasSynced: boolean };
  readonly concurrency: number;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export class SchemaController implements Runnable {
  private readonly informer: SchemaCache & Runnable & { readonly hasSynced: boolean };
  private readonly queue: WorkQueue;
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
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    await this.queue.shutdown();
    await this.informer.stop();
  }

  /** Every schema, and every embedded one even if absent (so it is created), e.g. when this replica starts leading. */
  queueAll(): void {
    for (const key of new Set([...this.informer.keys(), ...this.embedded])) this.queue.add(key);
  }

  /** One schema by name (an entry started or stopped naming it). */
  queueSchema(name: string): void {
    if (this.informer.get(name) !== undefined) this.queue.add(name);
  }
}

/** A change worth a reconcile: spec (generation), finalizers, deletion or labels; not status alone. */
export function changedForSchemaReconcile(before: ConfigSchema, after: ConfigSchema): boolean {
  return metadataChanged(before.metadata, after.metadata) || JSON.stringify(before.metadata.labels ?? {}) !== JSON.stringify(after.metadata.labels ?? {});
}
