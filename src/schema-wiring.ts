/**
 * Wiring of the schema engine and the ConfigSchema controller (main.ts calls it when there is a schema
 * engine file: given by --schema-engine-file, or the installation's own): the engine, the registry
 * with the embedded schemas pinned, the informer, the adapters, and the manager's leadership and
 * entries. Without the engine, WITHOUT_SCHEMA_ENGINE answers for declared schemas instead.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ConfigSchema } from './api/config-schema.ts';
import { KIND } from './api/names.ts';
import type { SchemaLookup } from './domain/validate.ts';
import type { Config } from './config.ts';
import type { Manager } from './controller/manager.ts';
import { SchemaController } from './controller/schema-controller.ts';
import { SchemaRegistry } from './controller/schema-registry.ts';
import { type BundleSchemaUse, mergeUsers, ofKind } from './controller/schema-users.ts';
import { EtcdOutcomeUnknownError } from './etcd/errors.ts';
import type { EtcdStore } from './etcd/store.ts';
import { AdmissionPolicyClient } from './kube/admission-policies.ts';
import { ConfigSchemaClient } from './kube/config-schemas.ts';
import { Informer } from './kube/informer.ts';
import type { PooledKubeConfig } from './kube/kube-config.ts';
import { trimSchemaForCache } from './kube/trim.ts';
import type { Metrics } from './observability/metrics.ts';
import { embeddedConfigSchemas } from './schemas/embedded-config-schemas.ts';

export interface SchemaWiring {
  readonly config: Config;
  readonly kubeConfig: PooledKubeConfig;
  readonly store: EtcdStore;
  readonly manager: Manager;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The bundle controller, once started (it starts after this one): bundles use schemas too. */
  readonly bundles: () => BundleSchemaUse | undefined;
}

export interface StartedSchemaController {
  readonly registry: SchemaRegistry;
  queueAll(): void;
  queueSchema(name: string): void;
  stop(): Promise<void>;
}

export class SchemaEngineUnavailableError extends Error {
  override name = 'SchemaEngineUnavailableError';
}

/** Logged at start-up by a replica without the engine. */
export const SCHEMA_ENGINE_OFF =
  'no schema engine (--schema-engine-file is empty, or the installation carries none): ConfigSchemas are not reconciled, and entries naming a declared schema are Stalled (UnknownSchema, saying the engine is missing)';

/**
 * What a replica without the engine answers for a schema id no embedded schema has: unknown to it
 * (it does not watch ConfigSchemas, so it cannot tell a declared schema from a misspelt id), with a
 * message saying what is missing. It writes no ConfigSchema status: another installation (or
 * replica) with the engine may own them, and two writers of one cluster-scoped status would fight.
 */
export const WITHOUT_SCHEMA_ENGINE: SchemaLookup = {
  kind: 'unknown',
  why: 'and it runs without the schema engine, so it knows no declared schemas (ConfigSchema): give it --schema-engine-file (CAIRN_SCHEMA_ENGINE_FILE)',
};

export async function startSchemaController(w: SchemaWiring): Promise<StartedSchemaController> {
  const file = w.config.schemaEngineFile ?? '';
  const started = Date.now();
  let bytes = 0;
  // A reader, not the bytes: the loader drops them once compiled, before Go's initialisation (71 MB
  // less resident memory and peak than holding them here).
  const read = async (): Promise<Uint8Array> => {
    const read = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new SchemaEngineUnavailableError(`cannot read the schema engine ${file} (--schema-engine-file): ${error.code ?? error.message}`, { cause: error });
    });
    bytes = read.length;
    return read;
  };
  // Loaded here, not imported at the top: an operator without the engine loads no node:wasi (and
  // logs none of its ExperimentalWarning).
  const { loadSchemaEngine } = await import('./schemas/engine/load.ts');
  const engine = await loadSchemaEngine(read);
  w.log.info({ file, bytes, ms: Date.now() - started }, 'schema engine loaded');
  const registry = new SchemaRegistry(engine, (name) => {
    w.manager.queueEntriesNaming(name);
    w.bundles()?.queueNaming(name);
  });
  const embedded = embeddedConfigSchemas();
  registry.pinEmbedded(embedded);
  const client = new ConfigSchemaClient(w.kubeConfig, (error) => {
    w.log.warn({ err: error }, 'configschema watch: event skipped');
    w.metrics.watchEventsSkipped.inc({ reason: error.reason });
  });
  const controller = new SchemaController({
    createInformer: (onChange) =>
      new Informer<ConfigSchema>({
        source: client,
        keyOf: (s) => s.metadata.name,
        trim: trimSchemaForCache,
        onChange,
        onError: (error, context) => w.log.warn({ err: error, context }, 'configschema informer'),
      }),
    concurrency: 2,
    writer: client,
    policies: new AdmissionPolicyClient(w.kubeConfig),
    registry,
    embedded: w.config.embeddedConfigSchemas ? embedded : new Map(),
    entriesUsing: (name) => mergeUsers(ofKind(KIND, w.manager.entriesUsing(name)), w.bundles()?.usersOf(name) ?? new Map()),
    fencing: w.manager.fencing,
    isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
    store: w.store,
    prefix: w.config.prefix,
    now: () => new Date(),
    log: w.log,
    metrics: w.metrics,
  });
  await controller.start(); // the manager's onFenced queues every schema once this replica leads
  return { registry, queueAll: () => controller.queueAll(), queueSchema: (name) => controller.queueSchema(name), stop: () => controller.stop() };
}
