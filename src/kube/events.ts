/**
 * Kubernetes Events for an entry's transitions (Normal Committed, Warning InvalidData, ...), written
 * as client-go's recorder writes them: correlated first (kube/event-correlator.ts: spam filter,
 * aggregation, deduplication), so a repeated event updates one Event object's count and
 * lastTimestamp (a merge patch) instead of creating another.
 *
 * Guarantees: fire and forget, never blocks or fails a reconcile; at most `maxPending` Events wait to
 * be written and at most `concurrency` requests are in flight; an occurrence of an Event already
 * waiting only updates what will be written (no new request); past the limit an occurrence is
 * dropped and reported to `onDropped` (a metric), never queued. Writes of one Event never overlap.
 * Errors: a write that fails is reported to `onError` and not retried (as client-go's recorder
 * gives up after a few tries); a patch of an Event that no longer exists (TTL) creates it again.
 */
import { API_VERSION, KIND } from '../api/names.ts';
import { type CorrelatedEvent, EventCorrelator } from './event-correlator.ts';
import { KubeApiError, kubeCall } from './errors.ts';
import { sendJson } from './json-request.ts';
import type { PooledKubeConfig } from './kube-config.ts';

export interface EventTarget {
  /** The involved object's kind; ConfigEntry when absent. */
  readonly kind?: string | undefined;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly uid: string };
}

export interface EventToRecord {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export type DropReason = 'spam' | 'queue_full';

/** The two requests the recorder makes; errors are Cairn's kube errors (KubeApiError 404 on a missing Event). */
export interface EventApi {
  create(namespace: string, body: object): Promise<unknown>;
  patch(namespace: string, name: string, body: object): Promise<unknown>;
}

export interface EventRecorderOptions {
  readonly onError: (error: unknown) => void;
  readonly onDropped?: (reason: DropReason) => void;
  readonly maxPending?: number;
  readonly concurrency?: number;
  /** Wall-clock milliseconds. */
  readonly now?: () => number;
}

/** EventApi over the apiserver's core/v1 events. */
export function kubeEventApi(kubeConfig: PooledKubeConfig): EventApi {
  const events = (namespace: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
  return {
    create: (namespace, body) => kubeCall(`create an event in ${namespace}`, () => sendJson(kubeConfig, 'POST', events(namespace), body)),
    patch: (namespace, name, body) => kubeCall(`update event ${namespace}/${name}`, () => sendJson(kubeConfig, 'PATCH', `${events(namespace)}/${encodeURIComponent(name)}`, body, 'application/merge-patch+json')),
  };
}

const MAX_MESSAGE = 1024;

export class EventRecorder {
  private readonly api: EventApi;
  private readonly instance: string;
  private readonly options: EventRecorderOptions;
  private readonly correlator: EventCorrelator;
  private readonly pending = new Map<string, CorrelatedEvent>();
  private readonly writing = new Set<string>();
  /** Names of Events this process created (bounded by the correlator's keys: a name outside it is never patched again). */
  private readonly created = new Set<string>();
  private readonly idle: (() => void)[] = [];

  constructor(api: EventApi, instance: string, options: EventRecorderOptions) {
    this.api = api;
    this.instance = instance;
    this.options = options;
    this.correlator = new EventCorrelator({ now: options.now ?? Date.now });
  }

  record(target: EventTarget, event: EventToRecord): void {
    const { name, namespace, uid } = target.metadata;
    const correlation = this.correlator.correlate({ apiVersion: API_VERSION, kind: target.kind ?? KIND, namespace, name, uid }, event);
    if (correlation.kind === 'spam') return this.options.onDropped?.('spam');
    const { key } = correlation.event;
    if (!this.pending.has(key) && this.pending.size >= (this.options.maxPending ?? 1000)) return this.options.onDropped?.('queue_full');
    this.pending.set(key, correlation.event);
    this.pump();
  }

  /** Resolves once nothing is waiting or in flight (for shutdown and tests). */
  async flushed(): Promise<void> {
    if (this.pending.size === 0 && this.writing.size === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    for (const [key, event] of this.pending) {
      if (this.writing.size >= (this.options.concurrency ?? 4)) return;
      if (this.writing.has(key)) continue; // one write per Event at a time; this one waits its turn
      this.pending.delete(key);
      this.writing.add(key);
      void this.write(event)
        .catch(this.options.onError)
        .finally(() => {
          this.writing.delete(key);
          this.pump();
          if (this.pending.size === 0 && this.writing.size === 0) for (const resolve of this.idle.splice(0)) resolve();
        });
    }
  }

  private async write(event: CorrelatedEvent): Promise<void> {
    if (this.created.has(event.name)) {
      try {
        await this.patch(event);
        return;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.isNotFound)) throw error;
      }
    }
    await this.create(event);
    this.created.add(event.name);
    if (this.created.size > 4096) this.created.delete(this.created.values().next().value as string);
  }

  private create(event: CorrelatedEvent): Promise<unknown> {
    const { namespace } = event.involvedObject;
    const body = {
      metadata: { name: event.name, namespace },
      involvedObject: event.involvedObject,
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, MAX_MESSAGE),
      source: { component: 'cairn-operator' },
      reportingComponent: 'cairn.dev/operator',
      reportingInstance: this.instance,
      firstTimestamp: event.firstTimestamp.toISOString(),
      lastTimestamp: event.lastTimestamp.toISOString(),
      count: event.count,
    };
    return this.api.create(namespace, body);
  }

  private patch(event: CorrelatedEvent): Promise<unknown> {
    const body = { count: event.count, lastTimestamp: event.lastTimestamp.toISOString(), message: event.message.slice(0, MAX_MESSAGE) };
    return this.api.patch(event.involvedObject.namespace, event.name, body);
  }
}
