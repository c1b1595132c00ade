/**
 * Leader election's rules about time, with replicas whose clocks disagree: expiry is judged from
 * when THIS replica saw the Lease record change (client-go's observedTime), never from the holder's
 * renewTime, and a leader's renew deadline counts from when its last successful renewal was sent.
 *
 * The Lease is an in-memory LeaseStore with the apiserver's optimistic concurrency (resourceVersion,
 * 409 on a stale replace); that its HTTP adapter speaks to a real apiserver is shown by the
 * integration tests that elect leaders (test/integration/operator/leader-election.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { LeaderElector } from '../../../src/kube/leader-election.ts';
import type { Lease, LeaseSpec, LeaseStore } from '../../../src/kube/lease-client.ts';

const LEASE_MS = 15_000;
const RENEW_DEADLINE_MS = 10_000;
const RETRY_MS = 2_000;
const HOUR = 3_600_000;

/** The one true time; each replica reads it through its own skew. */
class World {
  time = Date.parse('2030-01-02T03:04:05.000Z');
}

/** One Lease with resourceVersion preconditions; `slowMs` makes each request take that long (world time). */
class MemoryLease implements LeaseStore {
  private lease: Lease | undefined;
  private version = 0;
  slowMs = 0;
  failing = false;
  /** Calls of get() that wait for `answer()` while set. */
  holdGets = false;
  private readonly held: (() => void)[] = [];
  private readonly world: World;

  constructor(world: World) {
    this.world = world;
  }

  get spec(): LeaseSpec | undefined {
    return this.lease?.spec;
  }

  async get(): Promise<Lease | undefined> {
    if (this.holdGets) await new Promise<void>((resolve) => this.held.push(resolve));
    this.request();
    return this.lease === undefined ? undefined : structuredClone(this.lease);
  }

  async create(spec: LeaseSpec): Promise<boolean> {
    this.request();
    if (this.lease !== undefined) return false;
    this.lease = { metadata: { name: 'cairn', namespace: 'ns', resourceVersion: String(++this.version) }, spec: structuredClone(spec) };
    return true;
  }

  async replace(current: Lease, spec: LeaseSpec): Promise<boolean> {
    this.request();
    if (this.lease === undefined || this.lease.metadata.resourceVersion !== current.metadata.resourceVersion) return false;
    this.lease = { metadata: { ...this.lease.metadata, resourceVersion: String(++this.version) }, spec: structuredClone(spec) };
    return true;
  }

  answer(): void {
    this.holdGets = false;
    for (const resolve of this.held.splice(0)) resolve();
  }

  private request(): void {
    if (this.failing) throw new Error('apiserver unavailable');
    this.world.time += this.slowMs;
  }
}

class Replica {
  readonly elector: LeaderElector;
  readonly transitions: ('started' | 'stopped')[] = [];

  constructor(world: World, leases: LeaseStore, identity: string, skewMs = 0) {
    this.elector = new LeaderElector(leases, {
      identity,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
      onStartedLeading: () => this.transitions.push('started'),
      onStoppedLeading: () => this.transitions.push('stopped'),
      onError: () => undefined,
      now: () => world.time + skewMs,
    });
  }

  get leading(): boolean {
    return this.elector.isLeader;
  }
}

/** Runs rounds every retry period for `ms` of world time; returns the world times at which `watched` led. */
async function rounds(world: World, ms: number, replicas: Replica[], watched?: Replica): Promise<number[]> {
  const led: number[] = [];
  for (const end = world.time + ms; world.time < end; world.time += RETRY_MS) {
    for (const r of replicas) await r.elector.campaignOnce();
    if (watched?.leading) led.push(world.time);
  }
  return led;
}

describe('leader election with skewed clocks', () => {
  it('never takes the Lease from a live holder whose clock is an hour behind', async () => {
    const world = new World();
    const leases = new MemoryLease(world);
    const behind = new Replica(world, leases, 'behind', -HOUR);
    const follower = new Replica(world, leases, 'follower');
    await behind.elector.campaignOnce();
    expect(behind.leading).toBe(true);

    const followerLed = await rounds(world, 10 * 60_000, [follower, behind], follower);
    expect(followerLed).toEqual([]);
    expect(behind.transitions).toEqual(['started']);
    expect(leases.spec?.holderIdentity).toBe('behind');
  });

  it('takes the Lease of a dead holder whose clock was an hour ahead, a Lease duration after it saw the record last change', async () => {
    const world = new World();
    const leases = new MemoryLease(world);
    const ahead = new Replica(world, leases, 'ahead', HOUR);
    await ahead.elector.campaignOnce(); // then it dies: the record never changes again
    const follower = new Replica(world, leases, 'follower');
    const firstSeen = world.time;

    const led = await rounds(world, 60_000, [follower], follower);
    expect(led[0]).toBeDefined();
    expect((led[0] ?? 0) - firstSeen).toBeGreaterThanOrEqual(LEASE_MS);
    expect((led[0] ?? 0) - firstSeen).toBeLessThanOrEqual(LEASE_MS + RETRY_MS);
    expect(leases.spec?.holderIdentity).toBe('follower');
  });

  it('waits a Lease duration from its own first sight of a record whose renewTime is an hour old', async () => {
    const world = new World();
    const leases = new MemoryLease(world);
    const behind = new Replica(world, leases, 'behind', -HOUR);
    await behind.elector.campaignOnce(); // renewTime says an hour ago; it dies now
    const follower = new Replica(world, leases, 'follower');
    const firstSeen = world.time;

    const led = await rounds(world, 60_000, [follower], follower);
    expect((led[0] ?? 0) - firstSeen).toBeGreaterThanOrEqual(LEASE_MS);
  });

  it('takes a released Lease at once', async () => {
    const world = new World();
    const leases = new MemoryLease(world);
    const leader = new Replica(world, leases, 'leader', HOUR);
    const follower = new Replica(world, leases, 'follower');
    await leader.elector.campaignOnce();
    await follower.elector.campaignOnce();
    await leader.elector.stop();
    expect(leader.transitions).toEqual(['started', 'stopped']);

    await follower.elector.campaignOnce();
    expect(follower.leading).toBe(true);
  });

  it('steps down a renew deadline after its last successful renewal was sent, however long that renewal took', async () => {
    const world = new World();
    const leases = new MemoryLease(world);
    const leader = new Replica(world, leases, 'leader');
    await leader.elector.campaignOnce();
    world.time += RETRY_MS;
    const sent = world.time;
    leases.slowMs = 4_000; // GET and PUT take 4 s each: the renewal returns 8 s after it was sent
    await leader.elector.campaignOnce();
    expect(leader.leading).toBe(true);
    leases.slowMs = 0;
    leases.failing = true;

    world.time = sent + RENEW_DEADLINE_MS;
    await leader.elector.campaignOnce();
    expect(leader.leading).toBe(true);
    world.time = sent + RENEW_DEADLINE_MS + 1;
    await leader.elector.campaignOnce();
    expect(leader.leading).toBe(false);
  });

  it('steps down at the start of its first round after a pause past the renew deadline, before the apiserver answers', async () => {
    const world = new World();
    const leases = new MemoryLease(world);
    const leader = new Replica(world, leases, 'leader');
    await leader.elector.campaignOnce();
    world.time += RENEW_DEADLINE_MS + 5_000; // SIGSTOPped, then resumed
    leases.holdGets = true;
    const round = leader.elector.campaignOnce();
    await Promise.resolve();

    expect(leader.transitions).toEqual(['started', 'stopped']);
    leases.answer();
    await round;
  });
  it('does not start leading when its acquisition returns after the renew deadline (that term is already over)', async () => {
    const world = new World();
    const leases = new MemoryLease(world);
    const replica = new Replica(world, leases, 'slow');
    leases.slowMs = 6_000; // GET and PUT take 6 s each: the Lease is written 12 s after it was sent
    await replica.elector.campaignOnce();
    expect(replica.transitions).toEqual([]);
    expect(replica.leading).toBe(false);

    leases.slowMs = 0; // a prompt renewal of its own Lease starts leading
    await replica.elector.campaignOnce();
    expect(replica.transitions).toEqual(['started']);
  });
});
