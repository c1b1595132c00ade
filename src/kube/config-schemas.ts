/**
 * The ConfigSchema resource (cluster-scoped) on the apiserver: list and watch for its informer,
 * status and finalizer patches for the schema reconciler, with the same guarantees as
 * config-entries.ts (optimistic concurrency on resourceVersion, failures translated).
 */
import type { ConfigSchema, ConfigSchemaStatus } from '../api/config-schema.ts';
import { FIELD_MANAGER, GROUP, SCHEMA_PLURAL, VERSION } from '../api/names.ts';
import type { EmbeddedConfigSchema } from '../schemas/embedded-config-schemas.ts';
import { kubeCall } from './errors.ts';
import type { InformerSource, WatchHandle } from './informer.ts';
import { sendJson } from './json-request.ts';
import type { PooledKubeConfig } from './kube-config.ts';
import { type BadWatchEventError, watchStream } from './watch-stream.ts';

const MERGE_PATCH = 'application/merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';
/** As for entries: a watch silent this long (no event, no bookmark) is restarted. */
const WATCH_SILENCE_MS = 90_000;
const COLLECTION = `/apis/${GROUP}/${VERSION}/${SCHEMA_PLURAL}`;

export class ConfigSchemaClient implements InformerSource<ConfigSchema> {
  private readonly kubeConfig: PooledKubeConfig;
  private readonly onBadEvent: (error: BadWatchEventError) => void;

  constructor(kubeConfig: PooledKubeConfig, onBadEvent: (error: BadWatchEventError) => void) {
    this.kubeConfig = kubeConfig;
    this.onBadEvent = onBadEvent;
  }

  async list(): Promise<{ items: ConfigSchema[]; resourceVersion: string }> {
    const list = (await kubeCall('list configschemas', () => sendJson(this.kubeConfig, 'GET', COLLECTION, undefined))) as {
      items: ConfigSchema[];
      metadata?: { resourceVersion?: string };
    };
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  watch(resourceVersion: string, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): Promise<WatchHandle> {
    const timeoutSeconds = String(240 + Math.floor(Math.random() * 120));
    const query = { resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds };
    return watchStream(this.kubeConfig, { path: COLLECTION, query, silenceMs: WATCH_SILENCE_MS, onEvent, onDone, onBadEvent: this.onBadEvent });
  }

  /** Replaces status through the status subresource, only if the object is still at `resourceVersion`. */
  async patchStatus(name: string, status: ConfigSchemaStatus, resourceVersion: string): Promise<ConfigSchema> {
    return (await kubeCall(`patch status of configschema ${name}`, () =>
      sendJson(this.kubeConfig, 'PATCH', `${COLLECTION}/${encodeURIComponent(name)}/status?fieldManager=${FIELD_MANAGER}`, { metadata: { resourceVersion }, status }, MERGE_PATCH),
    )) as ConfigSchema;
  }

  /** Sets metadata.finalizers, only if the object is still at `resourceVersion`. */
  async setFinalizers(name: string, finalizers: readonly string[], resourceVersion: string): Promise<ConfigSchema> {
    return (await kubeCall(`update finalizers of configschema ${name}`, () =>
      sendJson(this.kubeConfig, 'PATCH', `${COLLECTION}/${encodeURIComponent(name)}?fieldManager=${FIELD_MANAGER}`, { metadata: { finalizers, resourceVersion } }, MERGE_PATCH),
    )) as ConfigSchema;
  }

  /** Creates (or takes over) an embedded schema's ConfigSchema by server-side apply, forced. */
  async createEmbedded(object: EmbeddedConfigSchema): Promise<ConfigSchema> {
    const name = object.metadata.name;
    // JSON is YAML: the apply patch is the object itself.
    return (await kubeCall(`apply configschema ${name}`, () =>
      sendJson(this.kubeConfig, 'PATCH', `${COLLECTION}/${encodeURIComponent(name)}?fieldManager=${FIELD_MANAGER}&force=true`, object, APPLY_PATCH),
    )) as ConfigSchema;
  }

  /** Replaces spec and sets the labels of an embedded schema's ConfigSchema, only if still at `resourceVersion`. */
  async restoreEmbedded(object: EmbeddedConfigSchema, resourceVersion: string): Promise<ConfigSchema> {
    const name = object.metadata.name;
    return (await kubeCall(`restore configschema ${name}`, () =>
      sendJson(this.kubeConfig, 'PATCH', `${COLLECTION}/${encodeURIComponent(name)}?fieldManager=${FIELD_MANAGER}`, { metadata: { labels: object.metadata.labels, resourceVersion }, spec: object.spec }, MERGE_PATCH),
    )) as ConfigSchema;
  }
}
