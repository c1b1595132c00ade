/**
 * Leader election with a coordination.k8s.io/v1 Lease, the way client-go's leaderelection does it:
 * acquire when the lease is free or expired, renew every `retryPeriodMs`, give up leadership when a
 * renewal has not succeeded for `renewDeadlineMs`.
 *
 * Time, as client-go judges it, never compares two machines' clocks:
 * - Another holder's Lease expires `leaseDurationSeconds` after THIS replica last saw the record
 *   change (its observedTime, on its own clock), not at the holder's renewTime: a holder whose clock
 *   is behind is not deposed while it renews, one whose clock is ahead is not waited for when dead.
 *   A replica that first sees a record waits a full Lease duration before taking it.
 * - A leader's renew deadline counts from when its last successful renewal was SENT: the others
 *   start counting when they see the record change, which is later.
 * A leader that finds its deadline passed (after a pause, say) steps down before asking again, and
 * an acquisition that returns past the deadline does not start leading at all.
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
  /** When the last successful acquire or renewal was sent (this process's clock). */
  private lastRenew = 0;
  /** The Lease spec as last seen, and when it was seen to change (this process's clock). */
  private observed: { readonly record: string; readonly durationMs: number; readonly at: number } | undefined;
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
    this.stepDownIfPastDeadline();
    const sentAt = this.now();
    try {
      const acquired = await this.tryAcquireOrRenew(sentAt);
      if (this.stopped) return; // stop() ran while the request was in flight: it has the last word
      if (acquired) this.lastRenew = sentAt;
      // An acquisition that returns past the renew deadline starts no term: it would be over at once,
      // and a takeover started for it could still move the fence after a successor fenced.
      if (acquired && !this.leading && !this.pastDeadline()) this.setLeading(true);
    } catch (error) {
      this.options.onError(error);
    }
    this.stepDownIfPastDeadline();
  }

  private stepDownIfPastDeadline(): void {
    if (this.leading && this.pastDeadline()) this.setLeading(false);
  }

  /** Whether the last successful acquire or renewal was sent longer than the renew deadline ago. */
  private pastDeadline(): boolean {
    return this.now() - this.lastRenew > this.options.renewDeadlineMs;
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

  /** True when this identity holds the lease after the call. Lease times are stamped `sentAt`. */
  private async tryAcquireOrRenew(sentAt: number): Promise<boolean> {
    const lease = await this.leases.get();
    if (lease === undefined) return this.write(this.spec(undefined, new Date(sentAt)), (spec) => this.leases.create(spec));
    this.observe(lease.spec ?? {});
    const holder = lease.spec?.holderIdentity;
    if (holder && holder !== this.options.identity && this.othersLeaseIsValid()) return false;
    return this.write(this.spec(lease, new Date(sentAt)), (spec) => this.leases.replace(lease, spec));
  }

  private async write(spec: LeaseSpec, send: (spec: LeaseSpec) => Promise<boolean>): Promise<boolean> {
    const written = await send(spec);
    if (written) this.observe(spec, true);
    return written;
  }

  /** Notes the record as seen now; its observedTime moves only when it changed (or we wrote it). */
  private observe(spec: LeaseSpec, ours = false): void {
    const record = JSON.stringify([spec.holderIdentity, spec.leaseDurationSeconds, spec.acquireTime, spec.renewTime, spec.leaseTransitions]);
    if (!ours && this.observed?.record === record) return;
    this.observed = { record, durationMs: (spec.leaseDurationSeconds ?? 0) * 1000, at: this.now() };
  }

  private othersLeaseIsValid(): boolean {
    return this.observed !== undefined && this.observed.at + this.observed.durationMs > this.now();
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
