/**
 * What the ConfigBundle reconciler needs from the outside world (main.ts wires kube/ and etcd/
 * adapters), and everything a bundle reconcile needs, wired once. Errors are Cairn's own, as for
 * ports.ts.
 */
import type { Logger } from 'pino';
import type { ConfigBundle, ConfigBundleStatus } from '../api/config-bundle.ts';
import type { TxnLimits } from '../domain/txn-limits.ts';
import type { SchemaLookup } from '../domain/validate.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Fencing, OutcomeUnknownTest, Store, StoreView } from './ports.ts';

/** The informer's cache of ConfigBundles, keyed `namespace/name`. */
export interface BundleCache {
  get(key: string): ConfigBundle | undefined;
  keys(): string[];
  replaceIfUnchanged(key: string, fromResourceVersion: string | undefined, object: ConfigBundle): void;
}

/** Writes to ConfigBundles, each only if the object is still at resourceVersion (409 otherwise). */
export interface BundleWriter {
  patchStatus(namespace: string, name: string, status: ConfigBundleStatus, resourceVersion: string): Promise<ConfigBundle>;
  setFinalizers(namespace: string, name: string, finalizers: readonly string[], resourceVersion: string): Promise<ConfigBundle>;
}

export interface BundleEventSink {
  record(bundle: ConfigBundle, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): void;
}

export interface BundleReconcileDeps {
  readonly cache: BundleCache;
  readonly writer: BundleWriter;
  readonly events: BundleEventSink;
  readonly store: Pick<Store, 'readKeys' | 'commit'>;
  /** The entry manager's store view: one view, one drift watch, for entries and bundles. */
  readonly view: StoreView;
  readonly isOutcomeUnknown: OutcomeUnknownTest;
  /** The entry manager's fencing: one leadership, one fence for every kind. */
  readonly fencing: Fencing;
  readonly prefix: string;
  readonly maxBytes: number;
  readonly limits: TxnLimits;
  readonly engineSchemas?: ((id: string) => SchemaLookup) | undefined;
  readonly now: () => Date;
  readonly log: Logger;
  readonly metrics: Metrics;
}
