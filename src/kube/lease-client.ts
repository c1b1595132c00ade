/**
 * One coordination.k8s.io/v1 Lease on the apiserver: read, create, and replace it only if it is
 * still at the resourceVersion read (optimistic concurrency, as client-go's resource lock does).
 *
 * Errors: `get` answers undefined for a Lease that does not exist; `create` and `replace` answer
 * false when someone else created or changed the Lease first (409); anything else throws the kube
 * adapter's errors (KubeApiError, KubeUnreachableError).
 */
import { sendJson } from './json-request.ts';
import { KubeApiError, kubeCall } from './errors.ts';
import type { PooledKubeConfig } from './kube-config.ts';

/** The Lease fields leader election reads and writes (times are metav1.MicroTime strings). */
export interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

export interface Lease {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly resourceVersion?: string };
  readonly spec?: LeaseSpec;
}

/** The Lease as leader election needs it; a fake in unit tests, LeaseClient in production. */
export interface LeaseStore {
  get(): Promise<Lease | undefined>;
  /** False when the Lease exists already (someone else created it first). */
  create(spec: LeaseSpec): Promise<boolean>;
  /** Replaces the spec if the Lease is still at `current`'s resourceVersion; false on a conflict. */
  replace(current: Lease, spec: LeaseSpec): Promise<boolean>;
}

export class LeaseClient implements LeaseStore {
  private readonly kubeConfig: PooledKubeConfig;
  private readonly namespace: string;
  private readonly name: string;
  private readonly timeoutMs: number;

  constructor(kubeConfig: PooledKubeConfig, namespace: string, name: string, timeoutMs: number) {
    this.kubeConfig = kubeConfig;
    this.namespace = namespace;
    this.name = name;
    this.timeoutMs = timeoutMs;
  }

  async get(): Promise<Lease | undefined> {
    try {
      return (await kubeCall(`get lease ${this.describe()}`, () => sendJson(this.kubeConfig, 'GET', this.path(this.name), undefined, undefined, this.timeoutMs))) as Lease;
    } catch (error) {
      if (error instanceof KubeApiError && error.isNotFound) return undefined;
      throw error;
    }
  }

  create(spec: LeaseSpec): Promise<boolean> {
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec };
    return this.unlessConflict(`create lease ${this.describe()}`, () => sendJson(this.kubeConfig, 'POST', this.path(), body, undefined, this.timeoutMs));
  }

  replace(current: Lease, spec: LeaseSpec): Promise<boolean> {
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: current.metadata, spec };
    return this.unlessConflict(`update lease ${this.describe()}`, () => sendJson(this.kubeConfig, 'PUT', this.path(this.name), body, undefined, this.timeoutMs));
  }

  private async unlessConflict(action: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await kubeCall(action, call);
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.isConflict) return false; // 409: changed first, or AlreadyExists
      throw error;
    }
  }

  private describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }
}
