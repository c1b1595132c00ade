/**
 * Wiring of the ConfigBundle controller (main.ts calls it before the manager starts, so every
 * bundle's claims are known when the first full read of etcd is applied): its informer and adapter,
 * and the entry manager's leadership, store view and key index, which it shares.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ConfigBundle } from './api/config-bundle.ts';
import { BUNDLE_KIND } from './api/names.ts';
import type { Config } from './config.ts';
import { BUNDLE_CLAIM_PREFIX, BundleController } from './controller/bundle-controller.ts';
import type { Manager } from './controller/manager.ts';
import type { SchemaLookup } from './domain/validate.ts';
import { EtcdOutcomeUnknownError } from './etcd/errors.ts';
import type { EtcdStore } from './etcd/store.ts';
import { ConfigBundleClient } from './kube/config-entries.ts';
import type { EventRecorder } from './kube/events.ts';
import { Informer } from './kube/informer.ts';
import type { PooledKubeConfig } from './kube/kube-config.ts';
import { trimForCache } from './kube/trim.ts';
import type { Metrics } from './observability/metrics.ts';

/** How long start-up waits for the first list of ConfigBundles before the manager starts without it. */
const FIRST_LIST_WAIT_MS = 10_000;

export interface BundleWiring {
  readonly config: Config;
  readonly kubeConfig: PooledKubeConfig;
  readonly store: EtcdStore;
  readonly manager: Manager;
  readonly recorder: EventRecorder;
  readonly engineSchemas: (id: string) => SchemaLookup;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** A bundle started or stopped using a schema: the schema controller looks at it again. */
  readonly onSchemaUseChanged?: (schemaName: string) => void;
}

export async function startBundleController(w: BundleWiring): Promise<BundleController> {
  const client = new ConfigBundleClient(w.kubeConfig, w.config.watchNamespace, (error) => {
    w.log.warn({ err: error }, 'configbundle watch: event skipped');
    w.metrics.watchEventsSkipped.inc({ reason: error.reason });
  });
  const controller = new BundleController({
    createInformer: (onChange) =>
      new Informer<ConfigBundle>({
        source: client,
        keyOf: (b) => `${b.metadata.namespace}/${b.metadata.name}`,
        trim: trimForCache,
        onChange,
        onError: (error, context) => w.log.warn({ err: error, context }, 'configbundle informer'),
      }),
    claim: (claimant, dataKeys) => w.manager.claim(claimant, dataKeys),
    concurrency: w.config.concurrency,
    ...(w.onSchemaUseChanged === undefined ? {} : { onSchemaUseChanged: w.onSchemaUseChanged }),
    writer: client,
    events: { record: (bundle, event) => w.recorder.record({ kind: BUNDLE_KIND, metadata: bundle.metadata }, event) },
    store: w.store,
    view: w.manager.mirror,
    isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
    fencing: w.manager.fencing,
    prefix: w.config.prefix,
    maxBytes: w.config.maxDataBytes,
    limits: { maxTxnOps: w.config.etcdMaxTxnOps, maxRequestBytes: w.config.etcdMaxRequestBytes },
    engineSchemas: w.engineSchemas,
    now: () => new Date(),
    log: w.log,
    metrics: w.metrics,
  });
  w.manager.follow({ claimPrefix: BUNDLE_CLAIM_PREFIX, queue: (key) => controller.queue(key), queueAll: () => controller.queueAll() });
  // The first list is awaited, but not for ever: a cluster upgraded without the ConfigBundle CRD (Helm
  // installs CRDs on first install only) answers 404 until it is applied, and entries must not wait
  // for that. The informer keeps retrying; bundles are reconciled once it has listed (/readyz says so).
  const listed = await Promise.race([controller.start().then(() => true), delay(FIRST_LIST_WAIT_MS, false)]);
  if (!listed) w.log.warn({ waitedMs: FIRST_LIST_WAIT_MS }, 'configbundles not listed yet (is the ConfigBundle CRD installed?); entries go on, bundles follow once listed');
  return controller;
}
