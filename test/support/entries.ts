/** ConfigEntries and ConfigBundles on the real apiserver, for integration tests: create, change, delete, wait. */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ConfigBundle, ConfigBundleSpec } from '../../src/api/config-bundle.ts';
import type { ConfigEntry, Condition } from '../../src/api/config-entry.ts';
import { BUNDLE_KIND, BUNDLE_PLURAL, GROUP, KIND, PLURAL, VERSION } from '../../src/api/names.ts';
import { adminKubeConfig } from './cluster.ts';

export interface EntrySpec {
  readonly schema: string;
  readonly key?: string;
  readonly data: Record<string, unknown>;
  readonly deletionPolicy?: 'Delete' | 'Retain';
  readonly driftPolicy?: 'Correct' | 'Report';
}

type Watched = { metadata: { generation?: number | undefined }; status?: { observedGeneration?: number | undefined; conditions?: Condition[] | undefined } | undefined };

/** One namespaced kind of Cairn's: `S` its spec as a test writes it, `T` the object as served. */
class Objects<T extends Watched, S> {
  readonly namespace: string;
  private readonly api: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly plural: string;
  private readonly kind: string;

  constructor(namespace: string, kind: string, plural: string, kc: KubeConfig) {
    this.namespace = namespace;
    this.kind = kind;
    this.plural = plural;
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async createNamespace(): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name: this.namespace } } });
  }

  async deleteNamespace(): Promise<void> {
    await this.core.deleteNamespace({ name: this.namespace }).catch(() => {});
  }

  private params(name: string) {
    return { group: GROUP, version: VERSION, namespace: this.namespace, plural: this.plural, name };
  }

  async create(name: string, spec: S): Promise<T> {
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind: this.kind, metadata: { name, namespace: this.namespace }, spec };
    return (await this.api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: this.plural, body })) as T;
  }

  async get(name: string): Promise<T> {
    return (await this.api.getNamespacedCustomObject(this.params(name))) as T;
  }

  async exists(name: string): Promise<boolean> {
    return this.get(name).then(() => true, (e: { code?: number }) => (e.code === 404 ? false : Promise.reject(e)));
  }

  async patchSpec(name: string, spec: Partial<S>): Promise<T> {
    return (await this.api.patchNamespacedCustomObject({ ...this.params(name), body: { spec } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as T;
  }

  async delete(name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject(this.params(name));
  }

  /** Merge-patches status through the status subresource, as a controller writes it (a test playing a lost or stale status). */
  async patchStatus(name: string, status: Record<string, unknown>): Promise<T> {
    return (await this.api.patchNamespacedCustomObjectStatus({ ...this.params(name), body: { status } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as T;
  }

  /** Polls until `check` accepts the entry; returns it. Fails with the last status seen. */
  async waitFor(name: string, what: string, check: (entry: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      last = await this.get(name).catch(() => undefined);
      if (last !== undefined && check(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.namespace}/${name}: not ${what} after ${timeoutMs} ms; last status: ${JSON.stringify(last?.status)}`);
  }

  /** Ready=True for the entry's current generation. */
  waitReady(name: string, timeoutMs?: number): Promise<T> {
    return this.waitFor(name, 'Ready', (e) => conditionOf(e, 'Ready')?.status === 'True' && e.status?.observedGeneration === e.metadata.generation, timeoutMs);
  }

  /** Stalled=True for the entry's current generation, with `reason`. */
  waitStalled(name: string, reason: string, timeoutMs?: number): Promise<T> {
    return this.waitFor(name, `Stalled (${reason})`, (e) => conditionOf(e, 'Stalled')?.status === 'True' && conditionOf(e, 'Stalled')?.reason === reason && e.status?.observedGeneration === e.metadata.generation, timeoutMs);
  }

  async waitGone(name: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!(await this.exists(name))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.namespace}/${name} still exists after ${timeoutMs} ms`);
  }
}

export class Entries extends Objects<ConfigEntry, EntrySpec> {
  constructor(namespace: string, kc: KubeConfig = adminKubeConfig()) {
    super(namespace, KIND, PLURAL, kc);
  }
}

export type BundleSpec = Omit<ConfigBundleSpec, 'deletionPolicy' | 'driftPolicy'> & Partial<Pick<ConfigBundleSpec, 'deletionPolicy' | 'driftPolicy'>>;

export class Bundles extends Objects<ConfigBundle, BundleSpec> {
  constructor(namespace: string, kc: KubeConfig = adminKubeConfig()) {
    super(namespace, BUNDLE_KIND, BUNDLE_PLURAL, kc);
  }
}

export function conditionOf(entry: Watched, type: string): Condition | undefined {
  return entry.status?.conditions?.find((c) => c.type === type);
}
