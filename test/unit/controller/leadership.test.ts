/**
 * Leadership's epochs, driven by hand: a fence store whose acquisitions the scenario resolves or
 * fails, a store view the scenario advances, and a clock whose timers run only when advanced. Each
 * scenario is one interleaving of Lease, fence and view events, and asserts what this replica may
 * do afterwards: hold a fence (write) or not, and whether it queued its entries.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/controller/clock.ts';
import { Leadership, type LeadershipTiming } from '../../../src/controller/leadership.ts';
import { FenceUnavailableError, FencingLostError } from '../../../src/domain/errors.ts';
import { presentKey } from '../../../src/domain/key-state.ts';
import type { Fence, FenceAcquisition, KeyState } from '../../../src/domain/types.ts';

const FENCE_KEY = '/cairn/fence';
const TIMING: LeadershipTiming = { retryBaseMs: 1_000, retryMaxMs: 8_000, refenceAfterMs: 15_000, catchUpMs: 10_000, catchUpPollMs: 20, fenceDeadlineMs: 60_000 };

/** Timers that run only when the scenario advances time. */
class ManualClock implements Clock {
  private time = 0;
  private timers: { at: number; run: () => void }[] = [];

  now(): number {
    return this.time;
  }

  after(ms: number, run: () => void): () => void {
    const timer = { at: this.time + ms, run };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, running due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.run();
      await settle();
    }
    this.time = end;
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * etcd as far as the fence goes: each acquisition (a put conditional on the fence revision the caller
 * last saw, `seen`) waits for the scenario, which grants it (a put at the next revision), refuses it
 * as stale (the fence is now at `current`) or fails it.
 */
class FenceStore {
  revision = 100;
  /** `resolve` answers with the next revision unless told which one etcd applied the put at. */
  readonly requests: { seen: string; resolve: (revision?: string) => void; stale: (current: string) => void; reject: (error: Error) => void }[] = [];

  readonly acquire = (seen: string): Promise<FenceAcquisition> =>
    new Promise<FenceAcquisition>((resolve, reject) => {
      this.requests.push({
        seen,
        resolve: (revision) => resolve({ acquired: true, fence: { key: FENCE_KEY, revision: revision ?? String(++this.revision) } }),
        stale: (current) => resolve({ acquired: false, current }),
        reject,
      });
    });

  /** Another process puts the fence; returns its revision. */
  putByAnother(): string {
    return String(++this.revision);
  }
}

/** The store view: caught up once it has seen the revision it was told to require. */
class View {
  private required = 0;
  private seen = 0;

  requireRevision(revision: string): void {
    this.required = Number(revision);
  }

  get isCaughtUp(): boolean {
    return this.seen >= this.required;
  }

  see(revision: string): void {
    this.seen = Math.max(this.seen, Number(revision));
  }
}

class Scenario {
  readonly clock = new ManualClock();
  readonly store = new FenceStore();
  readonly view = new View();
  /** Every fence a completed takeover queued the entries for. */
  readonly fenced: string[] = [];
  /** The gauge's values, in order. */
  readonly leadingChanges: boolean[] = [];
  /** Writes reported refused because another process moved the fence (the metric's count). */
  lost = 0;
  readonly leadership = new Leadership({
    fenceKey: FENCE_KEY,
    identity: 'replica-a',
    acquireFence: this.store.acquire,
    view: this.view,
    onFenced: (fence) => this.fenced.push(fence.revision),
    onLeadingChanged: (leading) => this.leadingChanges.push(leading),
    onRefusedByAnother: () => this.lost++,
    log: pino({ level: 'silent' }),
    timing: TIMING,
    clock: this.clock,
    random: () => 1, // the top of the jitter range: delays are base·2^n exactly
  });

  /** Resolves the oldest pending fence acquisition; returns the revision etcd put it at. */
  async fenceGranted(): Promise<string> {
    const request = this.store.requests.shift();
    if (request === undefined) throw new Error('no fence acquisition is pending');
    request.resolve();
    await settle();
    return String(this.store.revision);
  }

  /** Refuses the oldest pending fence acquisition (etcd unavailable). */
  async fenceRefused(): Promise<void> {
    const request = this.store.requests.shift();
    if (request === undefined) throw new Error('no fence acquisition is pending');
    request.reject(new Error('etcdserver: no leader'));
    await settle();
  }

  /** The etcd watch delivers a put of the fence at `revision` (the view sees it too). */
  watchSeesFence(revision: string, holder = 'replica-b'): void {
    this.view.see(revision);
    this.leadership.observeStoreChange({ type: 'put', key: FENCE_KEY, value: JSON.stringify({ holder }), modRevision: revision });
  }

  /** The whole takeover of the current epoch: the fence granted and seen on the watch. */
  async fencedNow(): Promise<string> {
    await settle();
    const revision = await this.fenceGranted();
    this.watchSeesFence(revision, 'replica-a');
    await this.clock.advance(TIMING.catchUpPollMs);
    return revision;
  }
}

describe('Leadership epochs', () => {
  it('fences, waits for the view to see the fence, then queues the entries', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    const revision = await s.fenceGranted();
    expect(s.leadership.fence?.revision).toBe(revision);
    expect(s.fenced).toEqual([]); // the view has not seen the fence yet

    s.watchSeesFence(revision, 'replica-a');
    await s.clock.advance(TIMING.catchUpPollMs);
    expect(s.fenced).toEqual([revision]);
    expect(s.leadingChanges).toEqual([true]);
  });

  it('queues the entries after a bounded wait when the view never sees the fence', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    const revision = await s.fenceGranted();
    await s.clock.advance(TIMING.catchUpMs - 100);
    expect(s.fenced).toEqual([]);
    await s.clock.advance(200);
    expect(s.fenced).toEqual([revision]);
  });

  it('holds no fence when the Lease is lost during the fence acquisition', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    s.leadership.leaseLost();
    await s.fenceGranted();
    await s.clock.advance(120_000);

    expect(s.leadership.fence).toBeUndefined();
    expect(s.fenced).toEqual([]);
    expect(s.leadingChanges).toEqual([]);
    expect(s.store.requests).toHaveLength(0);
  });

  it('fences in a fresh epoch when the Lease is lost and regained during the fence acquisition', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    s.leadership.leaseLost();
    s.leadership.leaseAcquired();
    await settle();
    expect(s.store.requests).toHaveLength(2);

    const abandoned = await s.fenceGranted(); // the first epoch's answer arrives: it is ignored
    expect(s.leadership.fence).toBeUndefined();
    const ours = await s.fenceGranted();
    s.watchSeesFence(abandoned, 'replica-a');
    s.watchSeesFence(ours, 'replica-a');
    await s.clock.advance(TIMING.catchUpPollMs);

    expect(s.leadership.fence?.revision).toBe(ours);
    expect(s.fenced).toEqual([ours]);
  });

  it('fences in a fresh epoch when the Lease is lost and regained while the view catches up', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    const first = await s.fenceGranted();
    s.leadership.leaseLost();
    expect(s.leadership.fence).toBeUndefined();
    s.leadership.leaseAcquired();
    await settle();
    s.watchSeesFence(first, 'replica-a');
    await s.clock.advance(TIMING.catchUpMs * 2);
    expect(s.fenced).toEqual([]); // the first takeover gave up; the second has no fence yet

    const second = await s.fencedNow();
    expect(s.fenced).toEqual([second]);
    expect(s.leadingChanges).toEqual([true, false, true]);
  });

  it('gives up the takeover when the Lease is lost while waiting for the view', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    const revision = await s.fenceGranted();
    s.leadership.leaseLost();
    s.watchSeesFence(revision, 'replica-a');
    await s.clock.advance(120_000);

    expect(s.leadership.fence).toBeUndefined();
    expect(s.fenced).toEqual([]);
    expect(s.leadingChanges).toEqual([true, false]);
  });

  it('keeps retrying a refused fence acquisition, one attempt at a time, then leads', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    for (let i = 0; i < 5; i++) {
      await settle();
      expect(s.store.requests).toHaveLength(1);
      await s.fenceRefused();
      await s.clock.advance(TIMING.retryMaxMs);
    }
    const revision = await s.fencedNow();
    expect(s.fenced).toEqual([revision]);
  });

  it('waits base·2^n, capped, between refused fence acquisitions', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    await s.fenceRefused();
    for (const wait of [1_000, 2_000, 4_000, 8_000, 8_000]) {
      await s.clock.advance(wait - 1);
      expect(s.store.requests).toHaveLength(0);
      await s.clock.advance(1);
      expect(s.store.requests).toHaveLength(1);
      await s.fenceRefused();
    }
  });

  it('fences on the fence revision it last saw, and when etcd finds the fence moved, fences again at once from the revision etcd holds', async () => {
    const s = new Scenario();
    s.watchSeesFence('57', 'deposed');
    s.leadership.leaseAcquired();
    await settle();
    const first = s.store.requests.shift();
    expect(first?.seen).toBe('57');
    first?.stale('60'); // another put (an abandoned takeover's, delayed) landed meanwhile
    await settle();

    expect(s.leadership.fence).toBeUndefined();
    expect(s.store.requests.map((r) => r.seen)).toEqual(['60']);
    const revision = await s.fencedNow();
    expect(s.leadership.fence?.revision).toBe(revision);
    expect(s.fenced).toEqual([revision]);
  });

  it('backs off when etcd keeps finding the fence moved, and stops once the Lease is lost', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    s.store.requests.shift()?.stale('61');
    await settle();
    s.store.requests.shift()?.stale('62');
    await settle();
    expect(s.store.requests).toHaveLength(0); // not a hot loop: the second retry waits
    await s.clock.advance(TIMING.retryMaxMs);
    expect(s.store.requests.map((r) => r.seen)).toEqual(['62']);
    s.leadership.leaseLost();
    s.store.requests.shift()?.stale('63');
    await s.clock.advance(TIMING.retryMaxMs * 4);
    expect(s.store.requests).toHaveLength(0);
    expect(s.leadingChanges).toEqual([]);
  });

  it('fences on an absent fence (revision 0) after the watch saw the fence deleted', async () => {
    const s = new Scenario();
    s.watchSeesFence('57', 'deposed');
    s.leadership.observeStoreChange({ type: 'delete', key: FENCE_KEY, modRevision: '58' });
    s.leadership.leaseAcquired();
    await settle();
    expect(s.store.requests.map((r) => r.seen)).toEqual(['0']);
  });

  it('stops retrying a refused fence acquisition once the Lease is lost', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    await s.fenceRefused();
    s.leadership.leaseLost();
    await s.clock.advance(120_000);
    expect(s.store.requests).toHaveLength(0);
    expect(s.leadership.fence).toBeUndefined();
  });

  it('stops writing when the watch shows another holder moved the fence, and fences again a Lease duration later', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    const ours = await s.fencedNow();
    const theirs = s.store.putByAnother();
    s.watchSeesFence(theirs);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.leadingChanges).toEqual([true, false]);

    await s.clock.advance(TIMING.refenceAfterMs - 1);
    expect(s.store.requests).toHaveLength(0);
    await s.clock.advance(1);
    const again = await s.fencedNow();
    expect(s.fenced).toEqual([ours, again]);
  });

  it('does not fence again after fencing lost when the Lease is lost meanwhile', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await s.fencedNow();
    s.watchSeesFence(s.store.putByAnother());
    s.leadership.leaseLost();
    await s.clock.advance(120_000);
    expect(s.store.requests).toHaveLength(0);
  });

  it('stops writing when a commit finds the fence moved, and not when a commit under an older fence of its own is refused', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    const ours = await s.fencedNow();
    await expect(s.leadership.afterRefusal({ key: FENCE_KEY, revision: String(Number(ours) - 1) }, fenceAt(ours))).rejects.toBeInstanceOf(FenceUnavailableError);
    expect(s.leadership.fence?.revision).toBe(ours);
    await expect(s.leadership.afterRefusal({ key: FENCE_KEY, revision: ours }, fenceAt(s.store.putByAnother(), 'replica-b'))).rejects.toBeInstanceOf(FencingLostError);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.lost).toBe(1);
  });

  it('ignores the watch reporting its own fence or an older one', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    const ours = await s.fencedNow();
    s.watchSeesFence(ours, 'replica-a');
    s.watchSeesFence(String(Number(ours) - 5));
    expect(s.leadership.fence?.revision).toBe(ours);
  });

  it('does not take a fence that the watch already saw moved past it during the acquisition', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    const request = s.store.requests.shift();
    const ours = String(++s.store.revision);
    s.watchSeesFence(ours, 'replica-a');
    s.watchSeesFence(s.store.putByAnother()); // moved before our acquisition's answer arrived
    request?.resolve(ours);
    await settle();

    expect(s.leadership.fence).toBeUndefined();
    expect(s.leadingChanges).toEqual([]);
    await s.clock.advance(TIMING.refenceAfterMs);
    expect(s.store.requests).toHaveLength(1);
  });

  it('stops writing when a full read finds the fence moved, not when it finds the fence it holds', async () => {
    const moved = new Scenario();
    moved.leadership.leaseAcquired();
    const ours = await moved.fencedNow();
    moved.leadership.observeStoreSnapshot({ keys: [{ key: FENCE_KEY, state: presentKey('{"holder":"replica-b"}', String(Number(ours) + 10), '1') }] });
    expect(moved.leadership.fence).toBeUndefined();

    const current = new Scenario();
    current.leadership.leaseAcquired();
    const held = await current.fencedNow();
    current.leadership.observeStoreSnapshot({ keys: [{ key: FENCE_KEY, state: presentKey('{"holder":"replica-a"}', held, '1') }] });
    expect(current.leadership.fence?.revision).toBe(held);
  });

  it('abandons the takeover when another holder moves the fence while the view catches up, and fences again later', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    await s.fenceGranted();
    s.watchSeesFence(s.store.putByAnother());
    await s.clock.advance(TIMING.catchUpMs);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.fenced).toEqual([]);

    await s.clock.advance(TIMING.refenceAfterMs - TIMING.catchUpMs);
    const again = await s.fencedNow();
    expect(s.fenced).toEqual([again]);
  });

  it('fences once in a fresh epoch when the Lease is lost and regained while a re-fence after fencing lost is pending', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await s.fencedNow();
    s.watchSeesFence(s.store.putByAnother());
    s.leadership.leaseLost();
    s.leadership.leaseAcquired();
    const fresh = await s.fencedNow();
    await s.clock.advance(TIMING.refenceAfterMs * 4);

    expect(s.store.requests).toHaveLength(0); // the old epoch's pending re-fence never ran
    expect(s.leadership.fence?.revision).toBe(fresh);
    expect(s.fenced.at(-1)).toBe(fresh);
  });

  it('does nothing after stop, not even when the Lease is reported again', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    s.leadership.stop();
    await s.fenceGranted();
    s.leadership.leaseAcquired();
    await s.clock.advance(120_000);
    expect(s.store.requests).toHaveLength(0);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.fenced).toEqual([]);
  });

  it('drops the fence on stop', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await s.fencedNow();
    s.leadership.stop();
    expect(s.leadership.fence).toBeUndefined();
    expect(s.leadingChanges).toEqual([true, false]);
  });

  it('reports a stall once the Lease has been held longer than the deadline without a fence', async () => {
    const s = new Scenario();
    expect(s.leadership.stalled()).toBeUndefined();
    s.leadership.leaseAcquired();
    await settle();
    await s.fenceRefused();
    await s.clock.advance(TIMING.fenceDeadlineMs); // the retry hangs (etcd never answers)
    expect(s.store.requests).toHaveLength(1);
    expect(s.leadership.stalled()).toBeUndefined();
    await s.clock.advance(1);
    expect(s.leadership.stalled()).toMatch(/held the lease for \d+s without a fence/);

    await s.fencedNow();
    expect(s.leadership.stalled()).toBeUndefined();
    s.leadership.leaseLost();
    await s.clock.advance(TIMING.fenceDeadlineMs * 2);
    expect(s.leadership.stalled()).toBeUndefined();
  });

  it('reports no stall while etcd refuses every fence acquisition, during a takeover and after a fencing loss', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    for (let waited = 0; waited <= TIMING.fenceDeadlineMs * 3; waited += TIMING.retryMaxMs) {
      await settle();
      await s.fenceRefused();
      await s.clock.advance(TIMING.retryMaxMs);
      expect(s.leadership.stalled()).toBeUndefined();
    }
    await s.fencedNow();
    s.watchSeesFence(s.store.putByAnother());
    await s.clock.advance(TIMING.refenceAfterMs);
    for (let waited = 0; waited <= TIMING.fenceDeadlineMs * 3; waited += TIMING.retryMaxMs) {
      await settle();
      await s.fenceRefused();
      await s.clock.advance(TIMING.retryMaxMs);
      expect(s.leadership.stalled()).toBeUndefined();
    }
    // etcd is back but this replica does not fence (its attempt never completes): that is a stall.
    await s.clock.advance(TIMING.fenceDeadlineMs);
    expect(s.store.requests).toHaveLength(1);
    expect(s.leadership.stalled()).toBeDefined();
  });

  it('counts the stall from the fencing loss, not from the start of the epoch', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await s.fencedNow();
    await s.clock.advance(TIMING.fenceDeadlineMs * 2);
    s.watchSeesFence(s.store.putByAnother());
    expect(s.leadership.stalled()).toBeUndefined();
    await s.clock.advance(TIMING.fenceDeadlineMs + 1);
    expect(s.leadership.stalled()).toBeDefined();
  });
});

/** A scenario whose epoch holds its fence (taken over and caught up); returns it with the fence revision. */
async function leadingScenario(): Promise<{ s: Scenario; ours: Fence }> {
  const s = new Scenario();
  s.leadership.leaseAcquired();
  const revision = await s.fencedNow();
  return { s, ours: { key: FENCE_KEY, revision } };
}

/** The fence key as a transaction read it back: put by `holder` at `revision`. */
function fenceAt(revision: string, holder = 'replica-a'): KeyState {
  return presentKey(JSON.stringify({ holder }), revision, '1');
}

/** Settles `promise` into what it came to, without letting a rejection escape. */
function outcomeOf<T>(promise: Promise<T>): { value?: T; error?: unknown; settled: boolean } {
  const result: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(result, { value, settled: true }),
    (error: unknown) => Object.assign(result, { error, settled: true }),
  );
  return result;
}

describe('Moving the fence after an unknown outcome (supersede)', () => {
  it('puts the fence conditional on the one held and writes under the new one, still leading, without a new takeover', async () => {
    const { s, ours } = await leadingScenario();
    const moved = outcomeOf(s.leadership.supersede(ours));
    await settle();
    expect(s.store.requests.map((r) => r.seen)).toEqual([ours.revision]);
    const next = await s.fenceGranted();

    expect(moved.value).toEqual({ key: FENCE_KEY, revision: next });
    expect(s.leadership.fence?.revision).toBe(next);
    expect(s.leadingChanges).toEqual([true]);
    expect(s.fenced).toEqual([ours.revision]); // entries are not queued again: nothing was lost
  });

  it('is not deposed by its own move when the watch reports the new fence before the move\'s answer arrives', async () => {
    const { s, ours } = await leadingScenario();
    const moved = outcomeOf(s.leadership.supersede(ours));
    await settle();
    const request = s.store.requests.shift();
    const next = String(++s.store.revision);
    s.watchSeesFence(next, 'replica-a'); // the watch is faster than the put's reply
    expect(s.leadingChanges).toEqual([true]);
    request?.resolve(next);
    await settle();

    expect(moved.value?.revision).toBe(next);
    expect(s.leadership.fence?.revision).toBe(next);
    expect(s.leadingChanges).toEqual([true]);
  });

  it('ignores the watch reporting the move after its answer, and the takeover fence arriving late', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours);
    await settle();
    const next = await s.fenceGranted();
    s.watchSeesFence(ours.revision, 'replica-a');
    s.watchSeesFence(next, 'replica-a');
    expect(s.leadership.fence?.revision).toBe(next);
    expect(s.leadingChanges).toEqual([true]);
  });

  it('moves once for every caller whose transaction was sent under the same fence', async () => {
    const { s, ours } = await leadingScenario();
    const first = outcomeOf(s.leadership.supersede(ours));
    const second = outcomeOf(s.leadership.supersede(ours));
    await settle();
    const third = outcomeOf(s.leadership.supersede(ours));
    await settle();
    expect(s.store.requests).toHaveLength(1);
    const next = await s.fenceGranted();

    expect([first.value?.revision, second.value?.revision, third.value?.revision]).toEqual([next, next, next]);
    expect(s.store.requests).toHaveLength(0);
  });

  it('answers at once, without a put, a caller whose fence was already moved past', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours);
    await settle();
    const next = await s.fenceGranted();

    expect(await s.leadership.supersede(ours)).toEqual({ key: FENCE_KEY, revision: next });
    expect(s.store.requests).toHaveLength(0);
  });

  it('refuses a fence of an earlier lineage (unavailable: it holds a newer one) and any fence once the Lease is lost (fencing lost), without a put', async () => {
    const { s, ours } = await leadingScenario();
    s.watchSeesFence(s.store.putByAnother());
    await s.clock.advance(TIMING.refenceAfterMs);
    const again = await s.fencedNow();
    await expect(s.leadership.supersede(ours)).rejects.toBeInstanceOf(FenceUnavailableError);
    expect(s.store.requests).toHaveLength(0);

    s.leadership.leaseLost();
    await expect(s.leadership.supersede({ key: FENCE_KEY, revision: again })).rejects.toBeInstanceOf(FencingLostError);
    expect(s.store.requests).toHaveLength(0);
  });

  it('is fencing lost when etcd refuses the move because another process moved the fence, and fences again a Lease duration later', async () => {
    const { s, ours } = await leadingScenario();
    const moved = outcomeOf(s.leadership.supersede(ours));
    await settle();
    const theirs = s.store.putByAnother();
    s.store.requests.shift()?.stale(theirs);
    await settle();

    expect(moved.error).toBeInstanceOf(FencingLostError);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.leadingChanges).toEqual([true, false]);
    await s.clock.advance(TIMING.refenceAfterMs - 1);
    expect(s.store.requests).toHaveLength(0);
    await s.clock.advance(1);
    expect(s.store.requests.map((r) => r.seen)).toEqual([theirs]);
  });

  it('is fencing lost when the watch saw another fence during the move, past the one the move took', async () => {
    const { s, ours } = await leadingScenario();
    const moved = outcomeOf(s.leadership.supersede(ours));
    await settle();
    const request = s.store.requests.shift();
    const next = String(++s.store.revision);
    s.watchSeesFence(s.store.putByAnother()); // another replica fenced right after our move
    request?.resolve(next);
    await settle();

    expect(moved.error).toBeInstanceOf(FencingLostError);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.leadingChanges).toEqual([true, false]);
  });

  it('writes nothing when the move fails, then takes over again from the fence it held and queues every entry', async () => {
    const { s, ours } = await leadingScenario();
    const moved = outcomeOf(s.leadership.supersede(ours));
    await settle();
    await s.fenceRefused(); // etcd down, or the move's own outcome unknown

    expect(moved.error).toBeInstanceOf(FenceUnavailableError); // nobody took the fence: not a loss
    expect(s.lost).toBe(0);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.leadingChanges).toEqual([true, false]);
    await s.clock.advance(TIMING.retryBaseMs);
    expect(s.store.requests.map((r) => r.seen)).toEqual([ours.revision]);
    const again = await s.fencedNow();
    expect(s.leadership.fence?.revision).toBe(again);
    expect(s.fenced).toEqual([ours.revision, again]);
  });

  it('after a move that fails once the watch showed another replica\'s fence past ours, fences again only a Lease duration later (fencing lost, not a quick retake)', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours).catch(() => undefined);
    await settle();
    const lost = s.store.requests.shift();
    const applied = String(++s.store.revision); // the move applied; its answer never comes
    s.watchSeesFence(applied, 'replica-a');
    const theirs = s.store.putByAnother(); // replica B took the Lease and fenced after it
    s.watchSeesFence(theirs, 'replica-b');
    lost?.reject(new Error('DEADLINE_EXCEEDED'));
    await settle();

    expect(s.leadership.fence).toBeUndefined();
    await s.clock.advance(TIMING.refenceAfterMs - 1);
    expect(s.store.requests).toHaveLength(0); // B's fence stands for a Lease duration
    await s.clock.advance(1);
    expect(s.store.requests.map((r) => r.seen)).toEqual([theirs]);
  });

  it('after a move that fails once the watch showed only its own fence, takes over again with the backoff', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours).catch(() => undefined);
    await settle();
    const lost = s.store.requests.shift();
    const applied = String(++s.store.revision);
    s.watchSeesFence(applied, 'replica-a');
    lost?.reject(new Error('DEADLINE_EXCEEDED'));
    await s.clock.advance(TIMING.retryBaseMs);

    expect(s.store.requests.map((r) => r.seen)).toEqual([applied]);
  });

  it('after a move whose outcome was unknown and which applied, fences again at once from the fence that move left (the refusal names it, as any fence not seen yet)', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours).catch(() => undefined);
    await settle();
    const lost = s.store.requests.shift();
    const applied = String(++s.store.revision); // the move applied; its answer never came
    lost?.reject(new Error('DEADLINE_EXCEEDED'));
    await s.clock.advance(TIMING.retryBaseMs);
    s.store.requests.shift()?.stale(applied);
    await settle();

    expect(s.store.requests.map((r) => r.seen)).toEqual([applied]);
    const again = await s.fencedNow();
    expect(s.leadership.fence?.revision).toBe(again);
  });

  it('after etcd failed the takeover many times, a refusal naming a fence it had not seen is retried at once, not after the grown backoff', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    for (const wait of [0, 1_000, 2_000, 4_000, 8_000]) {
      await s.clock.advance(wait);
      await s.fenceRefused(); // etcd down
    }
    await s.clock.advance(8_000);
    s.store.requests.shift()?.stale('70'); // etcd is back; someone (our own delayed put) moved the fence
    await settle();

    expect(s.store.requests.map((r) => r.seen)).toEqual(['70']);
  });

  it('ignores the answer of a move once the Lease was lost meanwhile', async () => {
    const { s, ours } = await leadingScenario();
    const moved = outcomeOf(s.leadership.supersede(ours));
    await settle();
    s.leadership.leaseLost();
    await s.fenceGranted();

    expect(moved.error).toBeInstanceOf(FencingLostError);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.leadingChanges).toEqual([true, false]);
  });

  it('does not take a commit refused during its own move for fencing lost; the move decides', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours);
    await settle();
    const refused = outcomeOf(s.leadership.afterRefusal(ours, fenceAt(String(s.store.revision + 1)))); // read back the fence the move is putting
    await settle();
    expect(s.leadership.fence?.revision).toBe(ours.revision);
    const next = await s.fenceGranted();
    expect(refused.value?.revision).toBe(next);
    expect(s.leadership.fence?.revision).toBe(next);
    expect(s.leadingChanges).toEqual([true]);
    expect(s.lost).toBe(0);
  });

  it('on a refusal, answers the fence moved to (waiting for a move in flight), or fencing lost when another process moved it', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours);
    await settle();
    const waiting = outcomeOf(s.leadership.afterRefusal(ours, fenceAt(String(s.store.revision + 1))));
    await settle();
    expect(waiting.settled).toBe(false);
    const next = await s.fenceGranted();
    expect(waiting.value?.revision).toBe(next);
    expect((await s.leadership.afterRefusal(ours, fenceAt(next)))?.revision).toBe(next);

    const theirs = s.store.putByAnother();
    await expect(s.leadership.afterRefusal({ key: FENCE_KEY, revision: next }, fenceAt(theirs, 'replica-b'))).rejects.toBeInstanceOf(FencingLostError); // not moved by us: another process did
  });

  it('on a refusal whose read-back shows another replica\'s fence past the one it moved to, is fencing lost (the watch has not shown that fence yet)', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours);
    await settle();
    const next: Fence = { key: FENCE_KEY, revision: await s.fenceGranted() };
    const theirs = s.store.putByAnother(); // replica B took the Lease and fenced; our watch lags

    await expect(s.leadership.afterRefusal(ours, fenceAt(theirs, 'replica-b'))).rejects.toBeInstanceOf(FencingLostError);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.lost).toBe(1);
    expect([s.leadership.stillHolds(ours), s.leadership.stillHolds(next)]).toEqual([false, false]);
    expect(s.leadingChanges).toEqual([true, false]);
    await s.clock.advance(TIMING.refenceAfterMs - 1);
    expect(s.store.requests).toHaveLength(0); // fencing lost: no quick retake
  });

  it('on a refusal during its move whose read-back shows another replica\'s fence, is fencing lost once the move is in, though the move was granted', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours).catch(() => undefined);
    await settle();
    const request = s.store.requests.shift();
    const next = String(++s.store.revision);
    const theirs = s.store.putByAnother();
    const waiting = outcomeOf(s.leadership.afterRefusal(ours, fenceAt(theirs, 'replica-b')));
    await settle();
    expect(waiting.settled).toBe(false);
    request?.resolve(next);
    await settle();

    expect(waiting.settled).toBe(true);
    expect(waiting.error).toBeInstanceOf(FencingLostError);
    expect(s.leadership.fence).toBeUndefined();
    expect(s.leadership.stillHolds({ key: FENCE_KEY, revision: next })).toBe(false);
    expect(s.lost).toBe(1);
  });

  it('on a refusal whose read-back shows the fence deleted, is fencing lost even after its own move', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours);
    await settle();
    await s.fenceGranted();

    await expect(s.leadership.afterRefusal(ours, { exists: false })).rejects.toBeInstanceOf(FencingLostError);
    expect(s.leadership.fence).toBeUndefined();
  });

  it('on a refusal (its read-back: its own move\'s fence) during a move that then fails, says the fence is unavailable for now, not lost', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours).catch(() => undefined);
    await settle();
    const waiting = outcomeOf(s.leadership.afterRefusal(ours, fenceAt(String(s.store.revision + 1))));
    await s.fenceRefused();
    expect(waiting.settled).toBe(true);
    expect(waiting.error).toBeInstanceOf(FenceUnavailableError);
    expect(s.lost).toBe(0);
  });

  it('still holds a fence it moved past (its writes and status still count), but not one of an earlier lineage or after the Lease is lost', async () => {
    const { s, ours } = await leadingScenario();
    void s.leadership.supersede(ours);
    await settle();
    const next: Fence = { key: FENCE_KEY, revision: await s.fenceGranted() };
    expect([s.leadership.stillHolds(ours), s.leadership.stillHolds(next)]).toEqual([true, true]);

    s.watchSeesFence(s.store.putByAnother());
    expect(s.leadership.stillHolds(next)).toBe(false);
    await s.clock.advance(TIMING.refenceAfterMs);
    const again: Fence = { key: FENCE_KEY, revision: await s.fencedNow() };
    expect([s.leadership.stillHolds(ours), s.leadership.stillHolds(next), s.leadership.stillHolds(again)]).toEqual([false, false, true]);
    s.leadership.leaseLost();
    expect(s.leadership.stillHolds(again)).toBe(false);
  });

  it('completes its takeover, queueing every entry once, when a move happens while the view catches up', async () => {
    const s = new Scenario();
    s.leadership.leaseAcquired();
    await settle();
    const taken = await s.fenceGranted();
    void s.leadership.supersede({ key: FENCE_KEY, revision: taken });
    await settle();
    const next = await s.fenceGranted();
    s.watchSeesFence(taken, 'replica-a');
    s.watchSeesFence(next, 'replica-a');
    await s.clock.advance(TIMING.catchUpPollMs);

    expect(s.fenced).toEqual([next]);
    expect(s.leadingChanges).toEqual([true]);
  });
});
