/**
 * Leader election with a coordination.k8s.io/v1 Lease, the way client-go's leaderelection does it:
 * acquire when the lease is free or expired, renew every `retryPeriodMs`, give up leadership when a
 * renewal has not succeeded for `renewDeadlineMs`.
 *
 * A Lease alone is not mutual exclusion (a paused leader wakes up still believing it leads), so the
 * caller fences etcd on onStartedLeading (see the design, "Leadership and fencing"): this module only
 * decides who should be working.
 */
import { sendJson } from './json-request.ts';
import { KubeApiError, kubeCall } from './errors.ts';
import type { PooledKubeConfig } from './kube-config.ts';

/** The parts of a coordination.k8s.io/v1 Lease that leader election reads and writes. */
interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onError: (error: unknown) => void;
}

export class LeaderElector {
  private readonly kubeConfig: PooledKubeConfig;
  private readonly options: LeaderElectionOptions;
  private leading = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(kubeConfig: PooledKubeConfig, options: LeaderElectionOptions) {
    this.kubeConfig = kubeConfig;
    this.options = options;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops campaigning; a leader releases the lease so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.setLeading(false);
    await this.release().catch(this.options.onError);
  }

  private async tick(): Promise<void> {
    try {
      const acquired = await this.tryAcquireOrRenew();
      if (this.stopped) return; // stop() ran while the request was in flight: it has the last word
      if (acquired) this.lastRenew = Date.now();
      if (acquired && !this.leading) this.setLeading(true);
    } catch (error) {
      this.options.onError(error);
    }
    if (this.leading && Date.now() - this.lastRenew > this.options.renewDeadlineMs) this.setLeading(false);
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.retryPeriodMs);
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private path(name?: string): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  private spec(previous: Lease | undefined, now: Date): Lease['spec'] {
    const changedHands = previous?.spec?.holderIdentity !== this.options.identity;
    const acquired = changedHands || previous?.spec?.acquireTime === undefined ? now : new Date(previous.spec.acquireTime);
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.options.leaseDurationMs / 1000),
      acquireTime: microTime(acquired),
      renewTime: microTime(now),
      leaseTransitions: (previous?.spec?.leaseTransitions ?? 0) + (changedHands && previous ? 1 : 0),
    };
  }

  /** True when this identity holds the lease after the call. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = new Date();
    let lease: Lease;
    try {
      lease = (await kubeCall(`get lease ${namespace}/${name}`, () => sendJson(this.kubeConfig, 'GET', this.path(name), undefined, undefined, this.options.renewDeadlineMs))) as Lease;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.isNotFound)) throw error;
      const body: Lease = { metadata: { name, namespace }, spec: this.spec(undefined, now) };
      await kubeCall(`create lease ${namespace}/${name}`, () => sendJson(this.kubeConfig, 'POST', this.path(), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...body }, undefined, this.options.renewDeadlineMs));
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const duration = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== identity && renewed + duration > now.getTime()) return false;
    try {
      await kubeCall(`update lease ${namespace}/${name}`, () =>
        sendJson(this.kubeConfig, 'PUT', this.path(name), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec: this.spec(lease, now) }, undefined, this.options.renewDeadlineMs),
      );
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.isConflict) return false; // someone else renewed or took it
      throw error;
    }
  }

  private async release(): Promise<void> {
    const { namespace, name } = this.options;
    const lease = (await kubeCall(`get lease ${namespace}/${name}`, () => sendJson(this.kubeConfig, 'GET', this.path(name), undefined, undefined, this.options.renewDeadlineMs))) as Lease;
    if (lease.spec?.holderIdentity !== this.options.identity) return;
    await kubeCall(`release lease ${namespace}/${name}`, () =>
      sendJson(this.kubeConfig, 'PUT', this.path(name), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec: { ...this.spec(lease, new Date()), holderIdentity: undefined, leaseDurationSeconds: 1 } }),
    );
  }
}

/** Lease times are metav1.MicroTime: the apiserver refuses anything but six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
