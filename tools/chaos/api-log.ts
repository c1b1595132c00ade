/**
 * The driver's record of the apiserver side, per kind (ConfigEntries, ConfigBundles): every
 * generation it saw (from its writes' responses and from a watch of the kind) and every status the
 * watch served. The watch re-lists after any error, so an apiserver restart loses no more than what a
 * real client would (intermediate states overwritten while it was down).
 */
import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { BundleGenerationWritten, BundleStatusSeen, GenerationWritten, StatusSeen } from './history.ts';
import { type BundleObject, bundleGenerationOf, bundleStatusOf, type EntryObject, generationOf, statusOf } from './observed.ts';

const GROUP = 'cairn.dev';
const VERSION = 'v1alpha1';

/** What the log reads from one object the apiserver served. */
interface Reading<O, G, S> {
  readonly plural: string;
  readonly generationOf: (object: O, at: number) => G | undefined;
  readonly statusOf: (object: O, at: number) => S | undefined;
}

export class ApiLog<O, G extends { readonly uid: string; readonly generation: number }, S extends { readonly uid: string }> {
  readonly generations = new Map<string, G>();
  readonly statuses: S[] = [];
  /** The newest status seen per uid. */
  readonly latest = new Map<string, S>();
  private readonly reading: Reading<O, G, S>;
  private readonly namespace: string;
  private readonly kc: KubeConfig;
  private abort: AbortController | undefined;
  private stopped = false;

  constructor(kc: KubeConfig, namespace: string, reading: Reading<O, G, S>) {
    this.kc = kc;
    this.namespace = namespace;
    this.reading = reading;
  }

  /** Records one object the apiserver returned. */
  note(object: O): void {
    const now = Date.now();
    const generation = this.reading.generationOf(object, now);
    if (generation !== undefined) {
      const id = `${generation.uid}#${generation.generation}`;
      if (!this.generations.has(id)) this.generations.set(id, generation);
    }
    const status = this.reading.statusOf(object, now);
    if (status !== undefined) {
      this.statuses.push(status);
      this.latest.set(status.uid, status);
    }
  }

  start(): void {
    void this.loop();
  }

  private async loop(): Promise<void> {
    const api = this.kc.makeApiClient(CustomObjectsApi);
    const { plural } = this.reading;
    while (!this.stopped) {
      try {
        const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural })) as { metadata: { resourceVersion: string }; items: O[] };
        for (const item of list.items) this.note(item);
        await new Promise<void>((resolve) => {
          void new Watch(this.kc)
            .watch(`/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${plural}`, { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true }, (phase, object: O) => {
              if (phase !== 'BOOKMARK' && phase !== 'ERROR') this.note(object);
            }, () => resolve())
            .then((abort) => {
              this.abort = abort;
              if (this.stopped) abort.abort();
            }, () => resolve());
        });
      } catch {
        // the apiserver is down or restarting: list again shortly
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 300));
    }
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}

export type EntryLog = ApiLog<EntryObject, GenerationWritten, StatusSeen>;
export type BundleLog = ApiLog<BundleObject, BundleGenerationWritten, BundleStatusSeen>;

export function entryLog(kc: KubeConfig, namespace: string, prefix: string): EntryLog {
  return new ApiLog(kc, namespace, { plural: 'configentries', generationOf: (o: EntryObject, at) => generationOf(o, prefix, at), statusOf });
}

export function bundleLog(kc: KubeConfig, namespace: string, prefix: string): BundleLog {
  return new ApiLog(kc, namespace, { plural: 'configbundles', generationOf: (o: BundleObject, at) => bundleGenerationOf(o, prefix, at), statusOf: bundleStatusOf });
}
