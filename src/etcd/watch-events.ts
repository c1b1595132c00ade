/**
 * What the prefix watcher hands its caller, and the pure parts of speaking etcd's watch protocol:
 * the create request, events of a response, the revision to resume from, why a watch was cancelled.
 */
import type { IWatchCreateRequest, IWatchResponse } from 'etcd3';
import type { KeySnapshot } from '../controller/ports.ts';
import { compareRevisions } from '../domain/types.ts';
import { prefixRangeEnd } from './txn-request.ts';

/** One change to one key, as etcd recorded it. `modRevision` is the revision of the change. */
export type WatchEvent =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly modRevision: string; readonly createRevision: string }
  | { readonly type: 'delete'; readonly key: string; readonly modRevision: string };

/**
 * Why the watcher handed over a full read: the first one; history compacted past the resume point;
 * etcd cancelled the watch; the stream fell silent past the watchdog's bound; the periodic resync.
 */
export type ResyncReason = 'initial' | 'compacted' | 'canceled' | 'silent' | 'periodic';

/**
 * The state of the watched keys at `revision`, as the caller keeps them. Changes between the
 * previous events and `revision` may have been missed, so the caller replaces what it believes with
 * this state and reconciles every owner (or those that differ).
 */
export interface ResyncEvent {
  readonly reason: ResyncReason;
  readonly revision: string;
  readonly keys: readonly KeySnapshot[];
}

/**
 * The create request of the prefix watch that delivers changes from revision `next` on:
 * - it starts one revision early (next - 1, the revision the last read or event showed), and the
 *   caller drops events older than `next` (eventsOf). etcd (3.6+) sends no progress notification to
 *   a watcher whose start revision is above the store's current revision, so a watch opened right
 *   after a read at R with start R + 1 would stay without progress until the next write, and the
 *   watchdog would take a healthy idle watch for a stuck one.
 * - progress_notify: etcd sends a progress notification (no events, a header revision) to an idle,
 *   caught-up watcher at its --experimental-watch-progress-notify-interval (10 min by default); the
 *   watcher also asks for one on its own schedule (WatchProgressRequest), which is what bounds the
 *   silence the watchdog tolerates.
 * - fragment: etcd splits a response larger than its request limit into fragments, so that no watch
 *   response passes grpc-js's 4 MiB receive limit (which Cairn does not lift).
 */
export function watchCreateRequest(prefix: string, next: string): IWatchCreateRequest {
  const start = BigInt(next) > 1n ? (BigInt(next) - 1n).toString() : next;
  return { key: Buffer.from(prefix, 'utf8'), range_end: prefixRangeEnd(prefix), start_revision: start, progress_notify: true, fragment: true };
}

/** The events of one watch response from revision `next` on, oldest first, keeping only keys `accept` admits. */
export function eventsOf(response: Pick<IWatchResponse, 'events'>, accept: (key: string) => boolean, next = '0'): WatchEvent[] {
  const events: WatchEvent[] = [];
  for (const event of response.events ?? []) {
    const key = event.kv.key.toString('utf8');
    const modRevision = event.kv.mod_revision;
    if (!accept(key) || compareRevisions(modRevision, next) < 0) continue;
    events.push(
      event.type === 'Delete'
        ? { type: 'delete', key, modRevision }
        : { type: 'put', key, value: event.kv.value.toString('utf8'), modRevision, createRevision: event.kv.create_revision },
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
 * notification (no events, sent only while every watcher on the stream has caught up): its header
 * revision + 1. A created response moves nothing.
 */
export function nextRevisionAfter(response: IWatchResponse, next: string): string {
  const events = response.events ?? [];
  const last = events[events.length - 1];
  const candidate = last ? BigInt(last.kv.mod_revision) + 1n : response.created ? undefined : BigInt(response.header.revision) + 1n;
  if (candidate === undefined) return next;
  const value = candidate.toString();
  return compareRevisions(value, next) > 0 ? value : next;
}

/** Why etcd cancelled a watch: history compacted past its start (compact_revision set), or anything else. */
export function resyncReasonOf(response: Pick<IWatchResponse, 'compact_revision' | 'cancel_reason'>): ResyncReason {
  const compacted = response.compact_revision !== undefined && response.compact_revision !== '0' && response.compact_revision !== '';
  return compacted || (response.cancel_reason ?? '').includes('compacted') ? 'compacted' : 'canceled';
}
