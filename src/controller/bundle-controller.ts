/**
 * The ConfigBundle controller: its own informer and work queue (the same WorkQueue, so the same rate
 * limiting) feeding the BundleReconciler, under the entry manager's leadership, store view and drift
 * watch. Each bundle claims its members' keys and its record's key in the manager's key index (so the
 * view keeps them and a change made outside Cairn queues the bundle), and the manager queues every
 * bundle when it fences and after each full read of etcd.
 *
 * Queued: a bundle whose spec, finalizers or deletion changed (not its status: our own writes), a
 * bundle whose member key changed in etcd, and every bundle on takeover and resync.
 */
import type { Logger } from 'pino';
import type { ConfigBundle } from '../api/config-bundle.ts';
import { BUNDLE_CONTROLLER_NAME, BUNDLE_KIND, splitSchemaId } from '../api/names.ts';
import { bundlePairs } from '../domain/bundle-members.ts';
import { bundleRecordKey } from '../domain/bundle-record.ts';
import type { Metrics } from '../observability/metrics.ts';
import { BundleReconciler } from './bundle-reconciler.ts';
import type { BundleCache, BundleReconcileDeps } from './bundle-ports.ts';
import { metadataChanged } from './changed-for-reconcile.ts';
import { addUses, schemaIdsOfBundle, schemaNamesWhoseUseChanged, type SchemaUsers } from './schema-users.ts';
import type { Runnable } from './manager.ts';
import { WorkQueue } from './work-queue.ts';
import { queueMetrics } from './queue-metrics.ts';

/** How a bundle is named among the key index's claimants (entries are `namespace/name`). */
export const BUNDLE_CLAIM_PREFIX = 'ConfigBundle:';

export interface BundleControllerParts extends Omit<BundleReconcileDeps, 'cache'> {
  readonly createInformer: (onChange: (key: string, before: ConfigBundle | undefined, after: ConfigBundle | undefined) => void) => BundleCache & Runnable & { readonly hasSynced: boolean };
  /** Records the data keys a bundle claims (undefined: none) in the manager's key index. */
  readonly claim: (claimant: string, dataKeys: readonly string[] | undefined) => void;
  readonly concurrency: number;
  readonly backoffBaseMs?: number;
  /** Called with each schema name a bundle started or stopped using (its count, or its deletion waiting for users). */
  readonly onSchemaUseChanged?: (schemaName: string) => void;
  readonly log: Logger;
  readonly metrics: Metrics;
}

/**
 * What a bundle claims in the key index: its record's key and the data keys of its members and of
 * those status says it committed last. A removed member only the record names is not claimed (the
 * view does not keep it, and the reconcile reads etcd for it).
 */
function claimedKeys(bundle: ConfigBundle, prefix: string): string[] {
  return [bundleRecordKey(prefix, bundle.metadata.namespace, bundle.metadata.name), ...bundlePairs(bundle, prefix).map((p) => p.data)];
}

export class BundleController implements Runnable {
  private readonly informer: BundleCache & Runnable & { readonly hasSynced: boolean };
  private readonly work: WorkQueue;

  constructor(parts: BundleControllerParts) {
    this.informer = parts.createInformer((key, before, after) => {
      parts.claim(`${BUNDLE_CLAIM_PREFIX}${key}`, after === undefined ? undefined : claimedKeys(after, parts.prefix));
      for (const name of schemaNamesWhoseUseChanged(before, after)) parts.onSchemaUseChanged?.(name);
      if (after === undefined || before === undefined || metadataChanged(before.metadata, after.metadata) || before.metadata.uid !== after.metadata.uid) this.work.add(key);
    });
    const reconciler = new BundleReconciler({ ...parts, cache: this.informer });
    const m = parts.metrics;
    const name = BUNDLE_CONTROLLER_NAME;
    m.maxConcurrent.set({ controller: name }, parts.concurrency);
    this.work = new WorkQueue({
      concurrency: parts.concurrency,
      process: (key) => reconciler.reconcile(key),
      backoffBaseMs: parts.backoffBaseMs ?? 100,
      backoffMaxMs: 60_000,
      onUnexpectedError: (key, error) => parts.log.error({ key, err: error }, 'bundle reconcile threw'),
      hooks: queueMetrics(m, name),
    });
  }

  get hasSynced(): boolean {
    return this.informer.hasSynced;
  }

  /** Lists the bundles (their claims reach the key index) before the manager's first full read is applied. */
  async start(): Promise<void> {
    await this.informer.start();
  }

  /** Stops taking work and drains in-flight reconciles (they still hold the fence), then stops the informer. */
  async stop(): Promise<void> {
    await this.work.shutdown();
    await this.informer.stop();
  }

  /** Every bundle: on takeover, and after a full read of etcd. */
  queueAll(): void {
    for (const key of this.informer.keys()) this.work.add(key);
  }

  /** The bundles with a member naming a version of `schemaName`, `ConfigBundle namespace/name` by version. */
  usersOf(schemaName: string): SchemaUsers {
    const users = new Map<string, string[]>();
    for (const key of this.informer.keys()) addUses(users, schemaName, schemaIdsOfBundle(this.informer.get(key)), `${BUNDLE_KIND} ${key}`);
    return users;
  }

  /** Queues every bundle with a member naming a version of `schemaName` (it became Ready: those that waited commit). */
  queueNaming(schemaName: string): void {
    for (const key of this.informer.keys()) {
      if ([...schemaIdsOfBundle(this.informer.get(key))].some((id) => splitSchemaId(id)?.name === schemaName)) this.work.add(key);
    }
  }

  /** One bundle by key (a member key changed in etcd). */
  queue(key: string): void {
    this.work.add(key);
  }
}
