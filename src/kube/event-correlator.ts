/**
 * What client-go's EventCorrelator (tools/record/events_cache.go) does before an Event is written,
 * so a burst of the same event becomes one Event object with a count, not one object per occurrence:
 *
 * 1. spam filter: a token bucket per involved object (burst 25, then one per 5 minutes); an
 *    occurrence past it is dropped (and the caller counts it);
 * 2. aggregation: events of one object with the same type and reason but more than 10 different
 *    messages within 10 minutes are combined into one Event ("(combined from similar events): ...");
 * 3. deduplication: an occurrence identical to an earlier one (same object, type, reason, message)
 *    updates that Event (count + 1, lastTimestamp) instead of creating another.
 *
 * Differs from client-go in one way: the spam filter runs first, so a dropped occurrence is not
 * added to an Event's count (client-go counts it, then skips the write).
 *
 * Guarantees: pure apart from the injected clock; every cache is an LRU of at most `maxKeys` keys,
 * so memory is bounded whatever the events. The same dedup key always maps to the same Event name
 * while it stays cached.
 */

export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface EventOccurrence {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** The state the Event object should have after this occurrence. */
export interface CorrelatedEvent extends EventOccurrence {
  /** The Event object's name (stable for `key`). */
  readonly name: string;
  /** Occurrences with the same key update the same Event object. */
  readonly key: string;
  readonly involvedObject: InvolvedObject;
  readonly count: number;
  readonly firstTimestamp: Date;
  readonly lastTimestamp: Date;
}

export type Correlation = { readonly kind: 'write'; readonly event: CorrelatedEvent } | { readonly kind: 'spam' };

export interface CorrelatorOptions {
  /** Wall-clock milliseconds (Event timestamps are wall-clock). */
  readonly now: () => number;
  readonly maxKeys?: number;
  readonly spamBurst?: number;
  readonly spamRefillMs?: number;
  readonly aggregateWindowMs?: number;
  readonly aggregateMaxMessages?: number;
}

export const COMBINED_PREFIX = '(combined from similar events): ';

interface Bucket {
  tokens: number;
  last: number;
}

interface Similar {
  /**
   * The different messages seen in the window, up to `maxMessages` (past it every occurrence is
   * combined, so more are never needed). An array: usually one message, and a Set of one cost about
   * 100 bytes more per entry.
   */
  readonly messages: string[];
  readonly since: number;
}

interface Observed {
  readonly name: string;
  readonly count: number;
  readonly firstTimestamp: number;
}

export class EventCorrelator {
  private readonly now: () => number;
  private readonly spamBurst: number;
  private readonly spamRefillMs: number;
  private readonly windowMs: number;
  private readonly maxMessages: number;
  private readonly buckets: Lru<Bucket>;
  private readonly similar: Lru<Similar>;
  private readonly observed: Lru<Observed>;
  private sequence = 0;

  constructor(options: CorrelatorOptions) {
    this.now = options.now;
    this.spamBurst = options.spamBurst ?? 25;
    this.spamRefillMs = options.spamRefillMs ?? 300_000;
    this.windowMs = options.aggregateWindowMs ?? 600_000;
    this.maxMessages = options.aggregateMaxMessages ?? 10;
    const maxKeys = options.maxKeys ?? 4096;
    this.buckets = new Lru(maxKeys);
    this.similar = new Lru(maxKeys);
    this.observed = new Lru(maxKeys);
  }

  correlate(object: InvolvedObject, occurrence: EventOccurrence): Correlation {
    const now = this.now();
    const objectKey = keyOf(object);
    if (!this.takeToken(objectKey, now)) return { kind: 'spam' };
    const { key, message } = this.aggregate(`${objectKey}\u0000${occurrence.type}\u0000${occurrence.reason}`, occurrence.message, now);
    const previous = this.observed.get(key);
    const observed: Observed = previous === undefined ? { name: this.nameFor(object.name, now), count: 1, firstTimestamp: now } : { ...previous, count: previous.count + 1 };
    this.observed.set(key, observed);
    const event = { ...occurrence, message, key, name: observed.name, involvedObject: object, count: observed.count, firstTimestamp: new Date(observed.firstTimestamp), lastTimestamp: new Date(now) };
    return { kind: 'write', event };
  }

  /** client-go's EventSourceObjectSpamFilter: a token bucket per involved object. */
  private takeToken(objectKey: string, now: number): boolean {
    const bucket = this.buckets.get(objectKey) ?? { tokens: this.spamBurst, last: now };
    bucket.tokens = Math.min(this.spamBurst, bucket.tokens + (now - bucket.last) / this.spamRefillMs);
    bucket.last = now;
    this.buckets.set(objectKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** client-go's EventAggregator: past `maxMessages` different messages in the window, one combined Event. */
  private aggregate(similarKey: string, message: string, now: number): { key: string; message: string } {
    let similar = this.similar.get(similarKey);
    if (similar === undefined || now - similar.since > this.windowMs) similar = { messages: [], since: now };
    if (similar.messages.length < this.maxMessages && !similar.messages.includes(message)) similar.messages.push(message);
    this.similar.set(similarKey, similar);
    if (similar.messages.length < this.maxMessages) return { key: `${similarKey}\u0000${message}`, message };
    return { key: similarKey, message: `${COMBINED_PREFIX}${message}` };
  }

  /** client-go names an Event `<object name>.<unix nanoseconds in hex>`; a sequence keeps names of one millisecond apart. */
  private nameFor(objectName: string, now: number): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    return `${objectName}.${(BigInt(now) * 1_000_000n + BigInt(this.sequence)).toString(16)}`;
  }
}

/**
 * The involved object's part of every cache key: its uid, which the apiserver never gives to two
 * objects (client-go joins apiVersion, kind, namespace, name and uid: the same objects told apart
 * in three times the bytes, and each of the three caches holds such a key per entry; with the
 * message's own copy this was about a kilobyte per entry after a bulk). An object without a uid is
 * keyed by the rest of its reference (a uid never holds the separator, so the two never meet).
 */
function keyOf(object: InvolvedObject): string {
  return object.uid !== '' ? object.uid : [object.apiVersion, object.kind, object.namespace, object.name].join('\u0000');
}

/** A Map that forgets its least recently used key past `max` keys. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}
