/**
 * What the prefix watcher hands its caller, and the pure conversion from etcd's watch responses.
 */
import type { IWatchResponse } from 'etcd3';
import { compareRevisions } from '../domain/types.ts';
import type { PrefixSnapshot } from './config-store.ts';

/** One change to one key, as etcd recorded it. `modRevision` is the revision of the change. */
export type WatchEvent =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly modRevision: string }
  | { readonly type: 'delete'; readonly key: string; readonly modRevision: string };

/** Why the watcher replaced its view with a full read. */
export type ResyncReason = 'initial' | 'compacted' | 'canceled';

/**
 * The full state of the watched keys at `revision`. Every change after it arrives as WatchEvents;
 * changes between the previous events and `revision` may have been missed, so the caller compares
 * this state with what it believes and reconciles every owner that differs (or all of them).
 */
export interface ResyncEvent extends PrefixSnapshot {
  readonly reason: ResyncReason;
}

/** The events of one watch response, oldest first, keeping only keys `accept` admits. */
export function eventsOf(response: IWatchResponse, accept: (key: string) => boolean): WatchEvent[] {
  const events: WatchEvent[] = [];
  for (const event of response.events ?? []) {
    const key = event.kv.key.toString('utf8');
    if (!accept(key)) continue;
    const modRevision = event.kv.mod_revision;
    events.push(
      event.type === 'Delete'
        ? { type: 'delete', key, modRevision }
        : { type: 'put', key, value: event.kv.value.toString('utf8'), modRevision },
    );
  }
  return events;
}

/**
 * The first revision not yet delivered after `response`, given the previous one (`next`).
 *
 * Not the header revision for responses with events: while a watch catches up, etcd stamps them
 * with the store's current revision, so trusting it (as etcd3's Watcher.updateRevision does) would
 * skip the rest of the catch-up after a reconnect. Events: last event's revision + 1. A progress
 * notification (no events, sent only to watchers that have caught up): its header revision + 1.
 */
export function nextRevisionAfter(response: IWatchResponse, next: string): string {
  const events = response.events ?? [];
  const last = events[events.length - 1];
  const candidate = last ? BigInt(last.kv.mod_revision) + 1n : response.created ? undefined : BigInt(response.header.revision) + 1n;
  if (candidate === undefined) return next;
  const value = candidate.toString();
  return compareRevisions(value, next) > 0 ? value : next;
}

/** The reason etcd gave when it cancelled a watch. */
export function resyncReasonOf(error: unknown): ResyncReason {
  return String(error instanceof Error ? error.message : error).includes('compacted') ? 'compacted' : 'canceled';
}
