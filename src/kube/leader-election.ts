/**
 * Leader election with a coordination.k8s.io/v1 Lease, the way client-go's leaderelection does it:
 * acquire when the lease is free or expired, renew every `retryPeriodMs`, give up leadership when a
 * renewal has not succeeded for `renewDeadlineMs`.
 *
 * A Lease alone is not mutual exclusion (a paused leader wakes up still believing it leads), so the
 * caller fences etcd on onStartedLeading (see the design, "Leadership and fencing"): this module only
 * decides who should be working.
 */
import type { LeaseSpec, LeaseStore, Lease } from './lease-client.ts';

export interface LeaderElectionOptions {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onError: (error: unknown) => void;
  /** This process's clock (ms); injectable so tests can skew it. */
  readonly now?: () => number;
}

export class LeaderElector {
  private readonly leases: LeaseStore;
  private readonly options: LeaderElectionOptions;
  private readonly now: () => number;
  private leading = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(leases: LeaseStore, options: LeaderElectionOptions) {
    this.leases = leases;
    this.options = options;
    this.now = options.now ?? Date.now;
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

  /** One round: try to acquire or renew, then decide whether this replica leads. */
  async campaignOnce(): Promise<void> {
    try {
      const acquired = await this.tryAcquireOrRenew();
      if (this.stopped) return; // stop() ran while the request was in flight: it has the last word
      if (acquired) this.lastRenew = this.now();
      if (acquired && !this.leading) this.setLeading(true);
    } catch (error) {
      this.options.onError(error);
    }
    if (this.leading && this.now() - this.lastRenew > this.options.renewDeadlineMs) this.setLeading(false);
  }

  private async tick(): Promise<void> {
    await this.campaignOnce();
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.retryPeriodMs);
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private spec(previous: Lease | undefined, now: Date): LeaseSpec {
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
    const now = new Date(this.now());
    const lease = await this.leases.get();
    if (lease === undefined) return this.leases.create(this.spec(undefined, now));
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const duration = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== this.options.identity && renewed + duration > now.getTime()) return false;
    return this.leases.replace(lease, this.spec(lease, now));
  }

  private async release(): Promise<void> {
    const lease = await this.leases.get();
    if (lease?.spec?.holderIdentity !== this.options.identity) return;
    await this.leases.replace(lease, { ...this.spec(lease, new Date(this.now())), holderIdentity: undefined, leaseDurationSeconds: 1 });
  }
}

/** Lease times are metav1.MicroTime: the apiserver refuses anything but six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
