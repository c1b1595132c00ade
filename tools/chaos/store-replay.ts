/**
 * etcd's key space replayed revision by revision, as a plain reader of the prefix would hold it: each
 * key's value and mod_revision, and which meta keys name each owner. The checker replays etcd's own
 * change log with it, and separately what the live reader observed.
 *
 * Assumptions: `apply` gets the changes of one revision at a time, revisions in increasing order.
 */
import type { EtcdChange } from './history.ts';
import { type MetaRecord, parseMeta } from './history-index.ts';

export interface StoredValue {
  readonly value: string;
  readonly modRevision: number;
}

export class StoreReplay {
  private readonly keys = new Map<string, StoredValue>();
  /** Meta keys by the uid their record names. */
  private readonly owned = new Map<string, Set<string>>();
  private readonly metaRoot: string;

  constructor(metaRoot: string) {
    this.metaRoot = metaRoot;
  }

  get(key: string): StoredValue | undefined {
    return this.keys.get(key);
  }

  /** The record a meta key holds now (undefined when absent or unreadable). */
  meta(metaKey: string): MetaRecord | undefined {
    return parseMeta(this.keys.get(metaKey)?.value);
  }

  /** The meta keys whose record names `uid` now. */
  metaKeysOf(uid: string): string[] {
    return [...(this.owned.get(uid) ?? [])];
  }

  /** Applies the changes of one revision. */
  apply(changes: Iterable<EtcdChange>): void {
    for (const change of changes) {
      if (change.type === 'delete') this.remove(change.key);
      else this.put(change.key, change.value ?? '', change.revision);
    }
  }

  /** Replaces everything with what one range read returned (a reader's fresh start). */
  reset(keys: readonly { key: string; value: string; modRevision: number }[]): void {
    this.keys.clear();
    this.owned.clear();
    for (const kv of keys) this.put(kv.key, kv.value, kv.modRevision);
  }

  private put(key: string, value: string, modRevision: number): void {
    this.remove(key);
    this.keys.set(key, { value, modRevision });
    if (!key.startsWith(this.metaRoot)) return;
    const uid = parseMeta(value)?.uid;
    if (uid === undefined) return;
    const set = this.owned.get(uid) ?? new Set<string>();
    set.add(key);
    this.owned.set(uid, set);
  }

  private remove(key: string): void {
    const uid = key.startsWith(this.metaRoot) ? this.meta(key)?.uid : undefined;
    if (uid !== undefined) this.owned.get(uid)?.delete(key);
    this.keys.delete(key);
  }
}
