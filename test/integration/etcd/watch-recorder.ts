/** Records what a PrefixWatcher hands its caller, and waits for conditions on it. */
import type { Etcd3 } from 'etcd3';
import type { BackoffOptions } from '../../../src/etcd/backoff.ts';
import { EtcdStore } from '../../../src/etcd/store.ts';
import type { ResyncEvent, WatchEvent } from '../../../src/etcd/watch-events.ts';
import { PrefixWatcher } from '../../../src/etcd/watcher.ts';

export interface Recorder {
  readonly events: WatchEvent[];
  readonly resyncs: ResyncEvent[];
  readonly errors: Error[];
  readonly watcher: PrefixWatcher;
}

export interface RecordOptions {
  readonly startRevision?: string;
  readonly accept?: (key: string) => boolean;
  readonly onEvent?: (event: WatchEvent) => void | Promise<void>;
  readonly backoff?: BackoffOptions;
  readonly progressIntervalMs?: number;
  readonly silenceLimitMs?: number;
}

export function record(client: Etcd3, prefix: string, options: RecordOptions = {}): Recorder {
  const events: WatchEvent[] = [];
  const resyncs: ResyncEvent[] = [];
  const errors: Error[] = [];
  const watcher = new PrefixWatcher({
    client,
    store: new EtcdStore(client),
    prefix,
    ...(options.accept ? { accept: options.accept } : {}),
    ...(options.startRevision ? { startRevision: options.startRevision } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.progressIntervalMs ? { progressIntervalMs: options.progressIntervalMs } : {}),
    ...(options.silenceLimitMs ? { silenceLimitMs: options.silenceLimitMs } : {}),
    onEvent: (event) => {
      events.push(event);
      return options.onEvent?.(event);
    },
    onResync: (resync) => void resyncs.push(resync),
    onError: (error) => void errors.push(error),
  });
  watcher.start();
  return { events, resyncs, errors, watcher };
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
