/** ConfigEntries on the real apiserver, for integration tests: create, change, delete, wait. */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ConfigEntry } from '../../src/api/config-entry.ts';
import { GROUP, PLURAL, VERSION } from '../../src/api/names.ts';
import { adminKubeConfig } from './cluster.ts';

export interface EntrySpec {
  readonly schema: string;
  readonly key?: string;
  readonly data: Record<string, unknown>;
  readonly deletionPolicy?: 'Delete' | 'Retain';
  readonly driftPolicy?: 'Correct' | 'Report';
}

export class Entries {
  readonly namespace: string;
  private readonly api: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(namespace: string, kc: KubeConfig = adminKubeConfig()) {
    this.namespace = namespace;
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
    return { group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name };
  }

  async create(name: string, spec: EntrySpec): Promise<ConfigEntry> {
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'ConfigEntry', metadata: { name, namespace: this.namespace }, spec };
    return (await this.api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, body })) as ConfigEntry;
  }

  async get(name: string): Promise<ConfigEntry> {
    return (await this.api.getNamespacedCustomObject(this.params(name))) as ConfigEntry;
  }

  async exists(name: string): Promise<boolean> {
    return this.get(name).then(() => true, (e: { code?: number }) => (e.code === 404 ? false : Promise.reject(e)));
  }

  async patchSpec(name: string, spec: Partial<EntrySpec>): Promise<ConfigEntry> {
    return (await this.api.patchNamespacedCustomObject({ ...this.params(name), body: { spec } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as ConfigEntry;
  }

  async delete(name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject(this.params(name));
  }

  /** Polls until `check` accepts the entry; returns it. Fails with the last status seen. */
  async waitFor(name: string, what: string, check: (entry: ConfigEntry) => boolean, timeoutMs = 20_000): Promise<ConfigEntry> {
    const deadline = Date.now() + timeoutMs;
    let last: ConfigEntry | undefined;
    while (Date.now() < deadline) {
      last = await this.get(name).catch(() => undefined);
      if (last !== undefined && check(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.namespace}/${name}: not ${what} after ${timeoutMs} ms; last status: ${JSON.stringify(last?.status)}`);
  }

  /** Ready=True for the entry's current generation. */
  waitReady(name: string, timeoutMs?: number): Promise<ConfigEntry> {
    return this.waitFor(name, 'Ready', (e) => conditionOf(e, 'Ready')?.status === 'True' && e.status?.observedGeneration === e.metadata.generation, timeoutMs);
  }

  /** Stalled=True for the entry's current generation, with `reason`. */
  waitStalled(name: string, reason: string, timeoutMs?: number): Promise<ConfigEntry> {
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

export function conditionOf(entry: ConfigEntry, type: string) {
  return entry.status?.conditions?.find((c) => c.type === type);
}
