/**
 * What the controller needs from the outside world, declared here so the controller depends on
 * interfaces and main.ts wires the concrete adapters (kube/, etcd/). Errors the adapters throw are
 * Cairn's own (domain/errors.ts classes, or adapter errors that extend them).
 */
import type { ConfigEntry, ConfigEntryStatus } from '../api/config-entry.ts';
import type { GuardedTxn, KeyState, ObservedKeys, TxnResult } from '../domain/types.ts';

/** The informer's cache of ConfigEntries, keyed `namespace/name`. */
export interface EntryCache {
  get(key: string): ConfigEntry | undefined;
  keys(): string[];
  /** Puts the apiserver's answer to our own write into the cache, if the cache still holds `fromResourceVersion`. */
  replaceIfUnchanged(key: string, fromResourceVersion: string | undefined, object: ConfigEntry): void;
}

/** Writes to ConfigEntries on the apiserver. */
export interface EntryWriter {
  /**
   * Replaces status via the status subresource, only if the object is still at resourceVersion (409
   * otherwise): status computed from an older version of the object is never written over a newer one.
   */
  patchStatus(namespace: string, name: string, status: ConfigEntryStatus, resourceVersion: string): Promise<ConfigEntry>;
  /** Sets metadata.finalizers if the object is still at resourceVersion (409 otherwise). */
  setFinalizers(namespace: string, name: string, finalizers: readonly string[], resourceVersion: string): Promise<ConfigEntry>;
}

export interface EntryEventSink {
  record(entry: ConfigEntry, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): void;
}

/** The etcd store. */
export interface Store {
  /** Both keys in one linearizable read. */
  read(dataKey: string, metaKey: string): Promise<ObservedKeys>;
  /** One guarded transaction. Throws an outcome-unknown error when the request's fate is unknown. */
  commit(txn: GuardedTxn): Promise<TxnResult>;
}

/** What the drift watch has seen of the store, for planning without a read. */
export interface StoreView {
  /** The keys as last seen, or undefined when the view cannot tell (not synced yet). */
  observe(dataKey: string, metaKey: string): ObservedKeys | undefined;
  /** Records the state a successful transaction produced, before the watch reports it. */
  record(key: string, state: KeyState, revision: string): void;
  /**
   * Announces that a transaction about to be sent puts `value` at `key`, so that its watch event,
   * should it arrive before `record`, is recognised as ours. `settle` withdraws the announcement.
   */
  expect(key: string, value: string): void;
  settle(key: string): void;
}

/** Whether an error means "the write may or may not have happened" (a timed-out commit). */
export type OutcomeUnknownTest = (error: unknown) => boolean;
