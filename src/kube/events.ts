/**
 * Kubernetes Events for an entry's transitions (Normal Committed, Warning InvalidData, ...).
 * Fire and forget: an Event that cannot be written is logged and never fails a reconcile.
 */
import { API_VERSION, KIND } from '../api/names.ts';
import { kubeCall } from './errors.ts';
import { sendJson } from './json-request.ts';
import type { PooledKubeConfig } from './kube-config.ts';

export interface EventTarget {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly uid: string; readonly resourceVersion?: string };
}

export interface EventToRecord {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export class EventRecorder {
  private readonly kubeConfig: PooledKubeConfig;
  private readonly instance: string;
  private readonly onError: (error: unknown) => void;

  constructor(kubeConfig: PooledKubeConfig, instance: string, onError: (error: unknown) => void) {
    this.kubeConfig = kubeConfig;
    this.instance = instance;
    this.onError = onError;
  }

  record(target: EventTarget, event: EventToRecord): void {
    const { name, namespace, uid, resourceVersion } = target.metadata;
    const now = new Date();
    const body = {
      metadata: { generateName: `${name}.`, namespace },
      involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid, resourceVersion },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: 'cairn-operator' },
      reportingComponent: 'cairn.dev/operator',
      reportingInstance: this.instance,
      firstTimestamp: now.toISOString(),
      lastTimestamp: now.toISOString(),
      count: 1,
    };
    kubeCall(`record event ${event.reason} for ${namespace}/${name}`, () => sendJson(this.kubeConfig, 'POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body)).catch(this.onError);
  }
}
