/**
 * Wiring of the ConfigSchema controller (main.ts calls it when --schema-engine-file is given): the
 * engine, the registry, the informer, the adapters, and the manager's leadership and entries.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ConfigSchema } from './api/config-schema.ts';
import type { Config } from './config.ts';
import type { Manager } from './controller/manager.ts';
import { SchemaController } from './controller/schema-controller.ts';
import { SchemaRegistry } from './controller/schema-registry.ts';
import type { EtcdStore } from './etcd/store.ts';
import { AdmissionPolicyClient } from './kube/admission-policies.ts';
import { ConfigSchemaClient } from './kube/config-schemas.ts';
import { Informer } from './kube/informer.ts';
import type { PooledKubeConfig } from './kube/kube-config.ts';
import { trimForCache } from './kube/trim.ts';
import type { Metrics } from './observability/metrics.ts';

export interface SchemaWiring {
  readonly config: Config;
  readonly kubeConfig: PooledKubeConfig;
  readonly store: EtcdStore;
  readonly manager: Manager;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export interface StartedSchemaController {
  readonly registry: SchemaRegistry;
  queueAll(): void;
  queueSchema(name: string): void;
  stop(): Promise<void>;
}

export async function startSchemaController(w: SchemaWiring): Promise<StartedSchemaController> {
  // Loaded here, not imported at the top: node:wasi prints an ExperimentalWarning on stderr when
  // loaded, and an operator without the engine must not (its stderr is JSON log lines only).
  const { loadSchemaEngine } = await import('./schemas/engine/load.ts');
  const engine = await loadSchemaEngine(await readFile(w.config.schemaEngineFile ?? ''));
  const registry = new SchemaRegistry(engine, (name) => w.manager.queueEntriesNaming(name));
  const client = new ConfigSchemaClient(w.kubeConfig, (error) => {
    w.log.warn({ err: error }, 'configschema watch: event skipped');
    w.metrics.watchEventsSkipped.inc({ reason: error.reason });
  });
  const controller = new SchemaController({
    createInformer: (onChange) =>
      new Informer<ConfigSchema>({
        source: client,
        keyOf: (s) => s.metadata.name,
        trim: trimForCache,
        onChange,
        onError: (error, context) => w.log.warn({ err: error, context }, 'configschema informer'),
      }),
    concurrency: 2,
    writer: client,
    policies: new AdmissionPolicyClient(w.kubeConfig),
    registry,
    entriesUsing: (name) => w.manager.entriesUsing(name),
    fence: () => w.manager.currentFence(),
    onFencingLost: (lost) => w.manager.fencingLost(lost),
    store: w.store,
    prefix: w.config.prefix,
    now: () => new Date(),
    log: w.log,
    metrics: w.metrics,
  });
  await controller.start(); // the manager's onFenced queues every schema once this replica leads
  return { registry, queueAll: () => controller.queueAll(), queueSchema: (name) => controller.queueSchema(name), stop: () => controller.stop() };
}
