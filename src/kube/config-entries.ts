/**
 * A namespaced Cairn resource on the apiserver (ConfigEntry, ConfigBundle): list and watch for the
 * informer, status and finalizer patches for the reconciler. Every call goes through the pooled
 * KubeConfig and translates failures.
 */
import type { ConfigBundle, ConfigBundleStatus } from '../api/config-bundle.ts';
import type { ConfigEntry, ConfigEntryStatus } from '../api/config-entry.ts';
import { BUNDLE_PLURAL, FIELD_MANAGER, GROUP, PLURAL, VERSION } from '../api/names.ts';
import { kubeCall } from './errors.ts';
import { sendJson } from './json-request.ts';
import { type BadWatchEventError, watchStream } from './watch-stream.ts';
import type { InformerSource, WatchHandle } from './informer.ts';
import type { PooledKubeConfig } from './kube-config.ts';

const MERGE_PATCH = 'application/merge-patch+json';
/**
 * A watch silent this long is restarted from its last resourceVersion (the watchdog for a stream that
 * died without closing). The apiserver sends a bookmark about once a minute on a quiet watch.
 */
const WATCH_SILENCE_MS = 90_000;

export interface ResourceList<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}
export type ConfigEntryList = ResourceList<ConfigEntry>;

class NamespacedResourceClient<T, S> implements InformerSource<T> {
  private readonly plural: string;
  private readonly namespace: string;
  private readonly kubeConfig: PooledKubeConfig;
  private readonly onBadEvent: (error: BadWatchEventError) => void;

  /**
   * `namespace`: list and watch that namespace only; empty for all namespaces. `onBadEvent`: told of
   * every watch event skipped (not JSON, or its handler threw); see watch-stream.ts.
   */
  constructor(plural: string, kubeConfig: PooledKubeConfig, namespace: string, onBadEvent: (error: BadWatchEventError) => void) {
    this.plural = plural;
    this.namespace = namespace;
    this.kubeConfig = kubeConfig;
    this.onBadEvent = onBadEvent;
  }

  async list(): Promise<ResourceList<T>> {
    const list = (await kubeCall(`list ${this.plural}`, () => sendJson(this.kubeConfig, 'GET', this.collectionPath(), undefined))) as {
      items: T[];
      metadata?: { resourceVersion?: string };
    };
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  watch(resourceVersion: string, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): Promise<WatchHandle> {
    // The server ends each watch after timeoutSeconds; a spread avoids every replica reconnecting at once.
    const timeoutSeconds = String(240 + Math.floor(Math.random() * 120));
    const path = this.collectionPath();
    // Bookmarks arrive about once a minute on a quiet watch: silence well past that means a dead stream.
    const query = { resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds };
    return watchStream(this.kubeConfig, { path, query, silenceMs: WATCH_SILENCE_MS, onEvent, onDone, onBadEvent: this.onBadEvent });
  }

  /**
   * Replaces status through the status subresource (merge patch: `status` as a whole field set;
   * conditions are a list and are replaced whole), only if the object is still at `resourceVersion`:
   * a replica working from an older view (a deposed leader, a lagging cache) gets a 409 instead of
   * overwriting a newer status.
   */
  async patchStatus(namespace: string, name: string, status: S, resourceVersion: string): Promise<T> {
    return (await kubeCall(`patch status of ${this.plural} ${namespace}/${name}`, () =>
      sendJson(this.kubeConfig, 'PATCH', `${this.objectPath(namespace, name)}/status?fieldManager=${FIELD_MANAGER}`, { metadata: { resourceVersion }, status }, MERGE_PATCH),
    )) as T;
  }

  /**
   * Sets metadata.finalizers, only if the object is still at `resourceVersion` (optimistic
   * concurrency: a 409 means someone else changed it; the reconciler reads again).
   */
  async setFinalizers(namespace: string, name: string, finalizers: readonly string[], resourceVersion: string): Promise<T> {
    return (await kubeCall(`update finalizers of ${this.plural} ${namespace}/${name}`, () =>
      sendJson(this.kubeConfig, 'PATCH', `${this.objectPath(namespace, name)}?fieldManager=${FIELD_MANAGER}`, { metadata: { finalizers, resourceVersion } }, MERGE_PATCH),
    )) as T;
  }

  /** All objects, or the watched namespace's. */
  private collectionPath(): string {
    return this.namespace === '' ? `/apis/${GROUP}/${VERSION}/${this.plural}` : `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(this.namespace)}/${this.plural}`;
  }

  private objectPath(namespace: string, name: string): string {
    return `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${this.plural}/${encodeURIComponent(name)}`;
  }
}

/** ConfigEntries (see NamespacedResourceClient). */
export class ConfigEntryClient extends NamespacedResourceClient<ConfigEntry, ConfigEntryStatus> {
  constructor(kubeConfig: PooledKubeConfig, namespace: string, onBadEvent: (error: BadWatchEventError) => void) {
    super(PLURAL, kubeConfig, namespace, onBadEvent);
  }
}

/** ConfigBundles (see NamespacedResourceClient). */
export class ConfigBundleClient extends NamespacedResourceClient<ConfigBundle, ConfigBundleStatus> {
  constructor(kubeConfig: PooledKubeConfig, namespace: string, onBadEvent: (error: BadWatchEventError) => void) {
    super(BUNDLE_PLURAL, kubeConfig, namespace, onBadEvent);
  }
}
