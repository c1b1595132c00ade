/**
 * etcd's side of the history: every change under the prefix, read back by replaying a watch from the
 * run's first revision (etcd keeps every revision until compacted, and the run compacts only through
 * `compactAfterRecording`, which records first). Replaying after the fact, with faults healed, does not
 * depend on a live watch surviving the faults, nor on Cairn's own watcher.
 */
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import type { EtcdChange } from './history.ts';

const SENTINEL = '/chaos-sentinel';

export class EtcdHistory {
  readonly client: Etcd3;
  private readonly prefix: string;
  private readonly changes: EtcdChange[] = [];
  private from: number;

  private constructor(client: Etcd3, prefix: string, from: number) {
    this.client = client;
    this.prefix = prefix;
    this.from = from;
  }

  /** Starts recording at the store's next revision (nothing under the prefix may exist before). */
  static async begin(endpoints: readonly string[], prefix: string): Promise<EtcdHistory> {
    const client = new Etcd3({ hosts: [...endpoints] });
    const revision = Number((await client.get(SENTINEL).exec()).header.revision);
    return new EtcdHistory(client, prefix, revision + 1);
  }

  /** Reads every change under the prefix since the last call (a marker write bounds the replay). */
  async record(timeoutMs = 60_000): Promise<void> {
    const marker = this.markerKey();
    const end = Number((await this.client.put(marker).value('end').exec()).header.revision);
    await this.replayTo(marker, end, timeoutMs);
  }

  /**
   * Puts a marker for a later `compactAfterRecording(held)`: while etcd refuses puts (NOSPACE), the
   * end of the replay is marked by deleting this key, which etcd still allows.
   */
  async hold(): Promise<string> {
    const marker = this.markerKey();
    await this.client.put(marker).value('held').exec();
    return marker;
  }

  /** Records, then compacts the store to the recorded revision (a compaction fault that loses no history). */
  async compactAfterRecording(held?: string): Promise<number> {
    if (held === undefined) {
      await this.record();
    } else {
      const end = Number((await this.client.delete().key(held).exec()).header.revision);
      await this.replayTo(held, end, 60_000);
    }
    const revision = this.from - 1;
    await this.client.kv.compact({ revision: String(revision), physical: true });
    return revision;
  }

  private markerKey(): string {
    return `${this.prefix}${SENTINEL}/${randomBytes(4).toString('hex')}`;
  }

  private async replayTo(marker: string, end: number, timeoutMs: number): Promise<void> {
    const batch = await replay(this.client, this.prefix, this.from, marker, end, timeoutMs);
    this.changes.push(...batch.filter((c) => !c.key.startsWith(`${this.prefix}${SENTINEL}/`)));
    this.from = end + 1;
  }

  get recorded(): readonly EtcdChange[] {
    return this.changes;
  }

  /** Every data/, meta/ and bundles/ key under the prefix now (linearizable range reads). */
  async snapshot(): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    for (const kind of ['data', 'meta', 'bundles']) {
      const kvs = await this.client.getAll().prefix(`${this.prefix}/${kind}/`).strings();
      Object.assign(result, kvs);
    }
    return result;
  }

  close(): void {
    this.client.close();
  }
}

/** The changes under `prefix` from revision `from` up to and including the change of `marker` at revision `end`. */
async function replay(client: Etcd3, prefix: string, from: number, marker: string, end: number, timeoutMs: number): Promise<EtcdChange[]> {
  const changes: EtcdChange[] = [];
  const watcher = await client.watch().prefix(prefix).startRevision(String(from)).create();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`etcd history: the replay from revision ${from} did not reach its marker in ${timeoutMs} ms`)), timeoutMs);
      watcher.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`etcd history: the replay from revision ${from} failed`, { cause: error }));
      });
      watcher.on('data', (response) => {
        for (const event of response.events) {
          const key = event.kv.key.toString();
          const revision = Number(event.kv.mod_revision);
          if (event.type === 'Put') changes.push({ revision, key, type: 'put', value: event.kv.value.toString() });
          else changes.push({ revision, key, type: 'delete' });
          if (key === marker && revision >= end) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
    });
  } finally {
    await watcher.cancel().catch(() => undefined);
  }
  return changes;
}

/**
 * Resolves with the revision of the next commit under the prefix (a meta put), calling `onSeen` from
 * inside the watch callback first: the trigger of the "killed between commit and status" fault.
 * Resolves undefined after `timeoutMs`. A client and watch of its own, opened now: a long-lived
 * etcd3 watch can go quiet for good after members die, and a trigger must not depend on one.
 */
export async function nextCommit(endpoints: readonly string[], prefix: string, timeoutMs: number, onSeen: (revision: number) => void): Promise<number | undefined> {
  const client = new Etcd3({ hosts: [...endpoints] });
  try {
    const watcher = await client.watch().prefix(`${prefix}/meta/`).create();
    return await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      watcher.on('error', () => undefined);
      let seen = false;
      watcher.on('data', (response) => {
        const put = response.events.find((e) => e.type === 'Put');
        if (put === undefined || seen) return;
        seen = true;
        clearTimeout(timer);
        const revision = Number(put.kv.mod_revision);
        try {
          onSeen(revision);
        } finally {
          resolve(revision);
        }
      });
    });
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}
