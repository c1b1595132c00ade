/**
 * Wiring only (the process entry is main.ts): config -> logger -> adapters -> manager -> health server. The shutdown order is
 * shutdown.ts's: stop taking work, let in-flight reconciles finish, release the lease, write the
 * Events still waiting (bounded), close connections.
 */
import { readFileSync } from 'node:fs';
import { dataPrefix, fenceKey, metaPrefix } from './domain/keys.ts';
import { bundlesPrefix } from './domain/bundle-record.ts';
import type { ConfigEntry } from './api/config-entry.ts';
import type { SchemaLookup } from './domain/validate.ts';
import { type Config, ConfigError, HelpShown, loadConfig } from './config.ts';
import { Manager } from './controller/manager.ts';
import { createEtcdClient } from './etcd/client.ts';
import { EtcdOutcomeUnknownError } from './etcd/errors.ts';
import { EtcdStore } from './etcd/store.ts';
import { PrefixWatcher } from './etcd/watcher.ts';
import { ConfigEntryClient } from './kube/config-entries.ts';
import { EventRecorder, kubeEventApi } from './kube/events.ts';
import { Informer } from './kube/informer.ts';
import { loadKubeConfig } from './kube/kube-config.ts';
import { LeaderElector } from './kube/leader-election.ts';
import { LeaseClient } from './kube/lease-client.ts';
import { trimForCache } from './kube/trim.ts';
import { startHealthServer } from './observability/health.ts';
import { Heartbeat, beating, notLive } from './observability/liveness.ts';
import { createLogger } from './observability/logger.ts';
import { stopOperator } from './shutdown.ts';
import { startBundleController } from './bundle-wiring.ts';
import type { BundleSchemaUse } from './controller/schema-users.ts';
import { SCHEMA_ENGINE_OFF, type StartedSchemaController, startSchemaController, WITHOUT_SCHEMA_ENGINE } from './schema-wiring.ts';
import { Metrics } from './observability/metrics.ts';

/**
 * Liveness bounds. The informer's loop beats at least every ~90 s (a bookmark about once a minute, or
 * the watchdog's re-watch after 90 s of silence, or a retry within 30 s); the etcd watch's loop beats
 * on every event, progress notification (every few seconds while idle), resync and error, and is alive
 * while it watches. Five minutes without either means
 * the loop is gone, not slow.
 */
const LOOP_SILENCE_LIMIT_MS = 5 * 60_000;

function readPem(path: string | undefined): string | undefined {
  return path === undefined ? undefined : readFileSync(path, 'utf8');
}

export async function run(config: Config): Promise<() => Promise<void>> {
  const log = createLogger(config.logLevel);
  // Node's own warnings (node:wasi's ExperimentalWarning when the schema engine loads) as JSON log
  // lines instead of free text on stderr: log pipelines parse every line. run() owns the process.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => log.warn({ err: warning }, 'node warning'));
  const metrics = new Metrics();
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const entries = new ConfigEntryClient(kubeConfig, config.watchNamespace, (error) => {
    log.warn({ err: error }, 'configentry watch: event skipped');
    metrics.watchEventsSkipped.inc({ reason: error.reason });
  });
  const recorder = new EventRecorder(kubeEventApi(kubeConfig), config.identity, {
    onError: (error) => log.warn({ err: error }, 'could not record an event'),
    onDropped: (reason) => metrics.eventsDropped.inc({ reason }),
  });
  const etcd = createEtcdClient({
    endpoints: config.etcdEndpoints,
    requestTimeoutMs: config.etcdTimeoutMs,
    ...(config.etcdTls ? { tls: { ca: readPem(config.etcdTls.caFile), cert: readPem(config.etcdTls.certFile), key: readPem(config.etcdTls.keyFile) } } : {}),
    ...(config.etcdUsername ? { auth: { username: config.etcdUsername, password: config.etcdPassword ?? '' } } : {}),
  });
  const store = new EtcdStore(etcd);
  // The fence is watched too: a new leader trusts its view only once it has seen its own fence, and a
  // leader that sees another's fence stops writing at once (controller/leadership.ts). Keys of
  // namespaces this replica does not watch are dropped as they are read.
  const namespaced = config.watchNamespace ? `${config.watchNamespace}/` : '';
  const watched = [`${dataPrefix(config.prefix)}${namespaced}`, `${metaPrefix(config.prefix)}${namespaced}`, `${bundlesPrefix(config.prefix)}${namespaced}`, fenceKey(config.prefix)];

  const informerBeat = new Heartbeat();
  const etcdWatchBeat = new Heartbeat();
  let etcdWatch: PrefixWatcher | undefined;
  const leaseDurationMs = config.leaseDurationSeconds * 1000;
  // With the engine it judges every id (embedded ones pinned at start); without it zod judges embedded ids.
  const engineSchemas = (id: string): SchemaLookup => schemas?.registry.lookup(id) ?? WITHOUT_SCHEMA_ENGINE;
  const manager = new Manager(
    {
      prefix: config.prefix,
      maxBytes: config.maxDataBytes,
      concurrency: config.concurrency,
      resyncMs: config.resyncSeconds * 1000,
      identity: config.identity,
      leadership: {
        // Fence again after fencing lost, and between failed attempts, on the Lease's time scale.
        refenceAfterMs: leaseDurationMs,
        retryMaxMs: leaseDurationMs,
        // Holding the Lease this long without a fence: restart, so a replica that can fence may lead.
        // Without leader election there is nobody to hand over to, and a restart cannot bring etcd back.
        fenceDeadlineMs: config.leaderElect ? 4 * leaseDurationMs : Number.POSITIVE_INFINITY,
      },
    },
    {
      createInformer: (onChange) => {
        const informer = new Informer<ConfigEntry>({
          source: beating(entries, informerBeat),
          keyOf: (e) => `${e.metadata.namespace}/${e.metadata.name}`,
          trim: trimForCache,
          onChange,
          onRelist: () => metrics.informerRelists.inc(),
          onError: (error, context) => log.warn({ err: error, context }, 'configentry informer'),
        });
        return informer;
      },
      createStoreWatch: (handlers) => {
        etcdWatch = new PrefixWatcher({
          client: etcd,
          store,
          prefix: `${config.prefix}/`,
          accept: (key) => watched.some((p) => key.startsWith(p)),
          summarize: (kv) => handlers.summarize(kv),
          onEvent: (event) => {
            etcdWatchBeat.beat();
            handlers.onEvent(event);
          },
          onResync: (snapshot) => {
            etcdWatchBeat.beat();
            handlers.onResync(snapshot);
          },
          onError: (error) => {
            etcdWatchBeat.beat();
            handlers.onError(error);
          },
          onProgress: () => etcdWatchBeat.beat(),
        });
        return etcdWatch;
      },
      createElector: config.leaderElect
        ? (started, stopped) =>
            new LeaderElector(new LeaseClient(kubeConfig, config.leaseNamespace, config.leaseName, config.renewDeadlineSeconds * 1000), {
              identity: config.identity,
              leaseDurationMs,
              renewDeadlineMs: config.renewDeadlineSeconds * 1000,
              retryPeriodMs: config.retryPeriodSeconds * 1000,
              onStartedLeading: started,
              onStoppedLeading: stopped,
              onError: (error) => log.warn({ err: error }, 'leader election'),
            })
        : undefined,
      store,
      writer: entries,
      events: { record: (entry, event) => recorder.record(entry, event) },
      isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
      log,
      metrics,
      onFenced: () => schemas?.queueAll(),
      onSchemaUseChanged: (name) => schemas?.queueSchema(name),
      engineSchemas,
    },
  );
  // Declared schemas need the engine. Without it this replica leaves ConfigSchemas alone (their status
  // is not its to write: see WITHOUT_SCHEMA_ENGINE) and says so here and on every entry naming one.
  if (config.schemaEngineFile === undefined) log.warn(SCHEMA_ENGINE_OFF);
  // Bundles use schemas too; their controller starts after this one (see below), so it is looked up when asked.
  const bundleSchemaUse: { current?: BundleSchemaUse } = {};
  const schemas: StartedSchemaController | undefined =
    config.schemaEngineFile === undefined ? undefined : await startSchemaController({ config, kubeConfig, store, manager, log, metrics, bundles: () => bundleSchemaUse.current });

  // Bundles share the manager's leadership, view and key index; listed before the manager starts so
  // their claims are known when the first full read of etcd is applied.
  const bundles = await startBundleController({ config, kubeConfig, store, manager, recorder, engineSchemas, log, metrics, onSchemaUseChanged: (name) => schemas?.queueSchema(name) });
  bundleSchemaUse.current = bundles;

  const [host, port] = config.metricsAddress.split(/:(?=\d+$)/) as [string, string];
  const server = await startHealthServer(Number(port), host || '0.0.0.0', {
    notLive: () =>
      notLive({
        leadershipStall: () => manager.stalled(),
        silenceLimitMs: LOOP_SILENCE_LIMIT_MS,
        loops: [
          { name: 'configentry informer', heartbeat: informerBeat },
          { name: 'etcd watch', heartbeat: etcdWatchBeat, steady: () => etcdWatch?.state === 'watching' },
        ],
      }),
    notReady: async () => {
      const failing: string[] = [];
      if (!manager.isSynced || !bundles.hasSynced) failing.push('informer or etcd view not synced');
      await store.revision().catch(() => failing.push('etcd unreachable'));
      return failing;
    },
  }, metrics.registry);
  log.info({ prefix: config.prefix, watchNamespace: config.watchNamespace || '(all)', endpoints: config.etcdEndpoints, identity: config.identity, metrics: config.metricsAddress }, 'starting');
  await manager.start();

  return () =>
    stopOperator({
      schemas,
      bundles,
      manager,
      events: recorder,
      closeServer: () => new Promise((resolve) => server.close(() => resolve())),
      etcd,
      kubeConfig,
      log,
    });
}

/** The operator process: configuration from argv and env, run, stop on SIGINT/SIGTERM (main.ts calls it). */
export async function runOperatorProcess(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof HelpShown) process.exit(0);
    console.error(error instanceof ConfigError ? `cairn-operator: ${error.message}` : error);
    process.exit(2);
  }
  const stop = await run(config).catch((error: unknown) => {
    // Start-up failed before the logger could say why in context (an engine file that does not load,
    // a kubeconfig that cannot be read): one line, then a non-zero exit, so the pod restarts visibly.
    console.error(`cairn-operator: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      void stop().then(() => process.exit(0));
    });
  }
}
