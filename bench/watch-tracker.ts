/**
 * Follows one namespace's ConfigEntries on a watch and resolves waiters when an entry reaches a
 * state: created (ADDED), Ready at a generation, or a status carrying a marker revision.
 */
import type { RawKube, WatchEvent } from './raw-kube.ts';
import { entriesPath } from './workload.ts';

type Predicate = (event: WatchEvent) => boolean;

export class WatchTracker {
  private readonly waiters = new Map<string, { predicate: Predicate; resolve: (at: number) => void }[]>();
  private readonly readyGeneration = new Map<string, number>();
  private stop: (() => void) | undefined;
  private closed = false;
  private resourceVersion = '';
  /** How often the server ended the watch and it was opened again from the last event. */
  rewatches = 0;

  static async start(kube: RawKube, namespace: string): Promise<WatchTracker> {
    const tracker = new WatchTracker();
    const list = (await kube.send('GET', entriesPath(namespace))) as { metadata: { resourceVersion: string } };
    tracker.resourceVersion = list.metadata.resourceVersion;
    await tracker.open(kube, namespace);
    return tracker;
  }

  private async open(kube: RawKube, namespace: string): Promise<void> {
    this.stop = await kube.watch(entriesPath(namespace), this.resourceVersion, (e) => this.onEvent(e), () => {
      if (this.closed) return;
      this.rewatches += 1;
      void this.open(kube, namespace);
    });
  }

  /** Entries seen Ready at their current generation. */
  get readyCount(): number {
    return this.readyGeneration.size;
  }

  isReadyAt(name: string, generation: number): boolean {
    return (this.readyGeneration.get(name) ?? 0) >= generation;
  }

  private onEvent(event: WatchEvent): void {
    const { name, generation, resourceVersion } = event.object.metadata;
    this.resourceVersion = resourceVersion;
    const ready = event.object.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True' && event.object.status?.observedGeneration === generation && generation !== undefined) this.readyGeneration.set(name, generation);
    const list = this.waiters.get(name);
    if (!list) return;
    for (const waiter of [...list]) {
      if (!waiter.predicate(event)) continue;
      list.splice(list.indexOf(waiter), 1);
      waiter.resolve(event.at);
    }
    if (list.length === 0) this.waiters.delete(name);
  }

  /** Resolves with the performance.now() of the first event for `name` that satisfies `predicate`. */
  when(name: string, predicate: Predicate): Promise<number> {
    return new Promise((resolve) => {
      const list = this.waiters.get(name) ?? [];
      list.push({ predicate, resolve });
      this.waiters.set(name, list);
    });
  }

  whenAdded(name: string): Promise<number> {
    return this.when(name, (e) => e.type === 'ADDED');
  }

  whenReady(name: string, generation: number): Promise<number> {
    return this.when(name, (e) => e.object.status?.observedGeneration === generation && e.object.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true);
  }

  close(): void {
    this.closed = true;
    this.stop?.();
  }
}
