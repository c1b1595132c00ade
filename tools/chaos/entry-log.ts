/**
 * The driver's record of the apiserver side: every generation it saw (from its writes' responses and
 * from a watch of ConfigEntries) and every status the watch served. The watch re-lists after any
 * error, so an apiserver restart loses no more than what a real client would (intermediate states
 * overwritten while it was down).
 */
import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { GenerationWritten, StatusSeen } from './history.ts';
import { type EntryObject, generationOf, statusOf } from './observed.ts';

const GROUP = 'cairn.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'configentries';

export class EntryLog {
  readonly generations = new Map<string, GenerationWritten>();
  readonly statuses: StatusSeen[] = [];
  /** The newest status seen per uid. */
  readonly latest = new Map<string, StatusSeen>();
  private readonly prefix: string;
  private readonly namespace: string;
  private readonly kc: KubeConfig;
  private abort: AbortController | undefined;
  private stopped = false;

  constructor(kc: KubeConfig, namespace: string, prefix: string) {
    this.kc = kc;
    this.namespace = namespace;
    this.prefix = prefix;
  }

  /** Records one object the apiserver returned. */
  note(object: EntryObject): void {
    const now = Date.now();
    const generation = generationOf(object, this.prefix, now);
    if (generation !== undefined) {
      const id = `${generation.uid}#${generation.generation}`;
      if (!this.generations.has(id)) this.generations.set(id, generation);
    }
    const status = statusOf(object, now);
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
    while (!this.stopped) {
      try {
        const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL })) as { metadata: { resourceVersion: string }; items: EntryObject[] };
        for (const item of list.items) this.note(item);
        await new Promise<void>((resolve) => {
          void new Watch(this.kc)
            .watch(`/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${PLURAL}`, { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true }, (phase, object: EntryObject) => {
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
