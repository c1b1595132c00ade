/**
 * A reader of the run's data and meta keys and bundle records, as an application would read bundle members with a plain
 * etcd client while the faults strike: a range read, then a watch from the revision after it; when
 * the watch is cancelled (compacted past, or any error the client does not recover from itself), a
 * new range read and a new watch. Records every change with its revision, and every range read, for
 * the checker's rule 5 (checker.ts). It connects to the store's members directly, not through the
 * operators' fault proxies.
 *
 * Guarantees: never throws into the run; `stop` ends the watch and the client.
 */
import { Etcd3, type Watcher } from 'etcd3';
import type { ReaderObservation } from './history.ts';

export class LiveReader {
  readonly observed: ReaderObservation[] = [];
  private readonly client: Etcd3;
  private readonly prefix: string;
  private watcher: Watcher | undefined;
  private stopped = false;
  private restarting = false;

  private constructor(endpoints: readonly string[], prefix: string) {
    this.client = new Etcd3({ hosts: [...endpoints] });
    this.prefix = prefix;
  }

  static async start(endpoints: readonly string[], prefix: string): Promise<LiveReader> {
    const reader = new LiveReader(endpoints, prefix);
    await reader.readThenWatch();
    return reader;
  }

  private isMemberKey(key: string): boolean {
    return ['data', 'meta', 'bundles'].some((kind) => key.startsWith(`${this.prefix}/${kind}/`));
  }

  /** One range read of the prefix (one revision), recorded; then a watch from the next revision. Retries until stopped. */
  private async readThenWatch(): Promise<void> {
    while (!this.stopped) {
      try {
        const range = await this.client.getAll().prefix(`${this.prefix}/`).exec();
        const revision = Number(range.header.revision);
        const keys = range.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), modRevision: Number(kv.mod_revision) })).filter((kv) => this.isMemberKey(kv.key));
        this.observed.push({ kind: 'snapshot', revision, keys });
        this.watcher = await this.client.watch().prefix(`${this.prefix}/`).startRevision(String(revision + 1)).create();
        this.watcher.on('data', (response) => {
          for (const event of response.events) {
            const key = event.kv.key.toString();
            if (!this.isMemberKey(key)) continue;
            const revision = Number(event.kv.mod_revision);
            this.observed.push({ kind: 'change', change: event.type === 'Put' ? { revision, key, type: 'put', value: event.kv.value.toString() } : { revision, key, type: 'delete' } });
          }
        });
        this.watcher.on('error', () => void this.restart());
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 300)); // a member down, quorum lost: read again shortly
      }
    }
  }

  private async restart(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    try {
      const old = this.watcher;
      this.watcher = undefined;
      await old?.cancel().catch(() => undefined);
      await this.readThenWatch();
    } finally {
      this.restarting = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }
}
