/**
 * The Manager's leadership as a whole (elector callbacks, fence, store watch, queue), driven through
 * its parts with fakes: the sequences issue 11 reported, and the shutdown order main.ts promises.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { liveEntry } from '../../controller/fakes.ts';
import { FenceUnavailableError, FencingLostError } from '../../../src/domain/errors.ts';
import { FENCE_KEY, IDENTITY, ManagerHarness, unavailable } from './manager-harness.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets every held fence acquisition go through, and later ones too. */
function releaseFences(h: ManagerHarness): void {
  h.holdFence = false;
  for (const pending of h.pendingFences.splice(0)) pending.release();
}

/** A started manager with one entry, holding the Lease, its fence acquisition waiting for the scenario. */
async function fencing(): Promise<ManagerHarness> {
  const h = new ManagerHarness();
  h.create(liveEntry());
  await h.manager.start();
  h.holdFence = true;
  h.leaseAcquired();
  await h.advance(0);
  return h;
}

/** A started manager leading (fenced), its one entry committed; returns the entry's key too. */
async function leading(): Promise<{ h: ManagerHarness; key: string }> {
  const h = new ManagerHarness();
  const key = h.create(liveEntry());
  await h.manager.start();
  h.leaseAcquired();
  await h.advance(1_000);
  expect(h.commits).toBe(1);
  return { h, key };
}

const CHANGED = { data: { host: 'db2.shop.svc', database: 'checkout', user: 'checkout' } };

describe('Manager leadership', () => {
  it('fences and reconciles after losing and regaining the Lease while its takeover was acquiring the fence', async () => {
    const h = await fencing();
    expect(h.fenceRequests).toBe(1);

    h.leaseLost();
    h.leaseAcquired();
    await h.advance(0);
    releaseFences(h);
    await h.advance(60_000);

    expect(h.manager.isLeading).toBe(true);
    expect(h.commits).toBe(1);
    expect(await h.leaderGauge()).toBe(1);
  });

  it('holds no fence and writes nothing after losing the Lease while its takeover was acquiring the fence', async () => {
    const h = await fencing();
    h.leaseLost();
    releaseFences(h);
    await h.advance(60_000);

    expect(h.manager.isLeading).toBe(false);
    expect(h.commits).toBe(0);
    expect(await h.leaderGauge()).toBe(0);
  });

  it('keeps trying to fence while etcd refuses, then reconciles', async () => {
    const h = await fencing();
    h.pendingFences.shift()?.fail(unavailable());
    await h.advance(0);
    expect(h.manager.isLeading).toBe(false);

    releaseFences(h);
    await h.advance(60_000);
    expect(h.manager.isLeading).toBe(true);
    expect(h.commits).toBe(1);
  });

  it('reports leading on the gauge only once the fence is held', async () => {
    const h = await fencing();
    expect(await h.leaderGauge()).not.toBe(1);

    releaseFences(h);
    await h.advance(1_000);
    expect(await h.leaderGauge()).toBe(1);
  });

  it('clears the gauge and stops writing when a commit finds the fence moved', async () => {
    const { h, key } = await leading();

    h.fenceTakenByAnother(true); // the watch has not told us yet
    h.updateSpec(key, CHANGED);
    await h.advance(1_000);

    expect(h.log.summary().filter((s) => s.startsWith('etcd.commit'))).toEqual(['etcd.commit: committed', 'etcd.commit: compare failed']);
    expect(h.manager.isLeading).toBe(false);
    expect(await h.leaderGauge()).toBe(0);
    expect((await h.metrics.fencingLost.get()).values[0]?.value).toBe(1);
  });

  it('moves its own fence after a commit whose outcome is unknown, retries under it, and keeps leading (its own move, echoed by the watch before the put\'s reply, is not fencing lost)', async () => {
    const { h, key } = await leading();
    h.etcd.failNextCommit('outcomeUnknownBeforeApply');
    h.updateSpec(key, CHANGED);
    await h.advance(1_000);

    const fences = h.steps.filter((s) => s.startsWith('fence.'));
    expect(fences).toEqual(['fence.acquire', expect.stringMatching(/^fence\.acquired /), 'fence.acquire', expect.stringMatching(/^fence\.acquired /)]);
    const moved = fences[3]?.split(' ')[1];
    const commits = h.log.of('etcd.commit');
    expect(commits.map((c) => c.result)).toEqual(['committed', 'outcome unknown, not applied', 'committed']);
    expect(commits[2]?.txn.compares).toContainEqual({ kind: 'modRevision', key: FENCE_KEY, equals: moved });
    expect(h.manager.isLeading).toBe(true);
    expect(await h.leaderGauge()).toBe(1);
    expect((await h.metrics.fencingLost.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('through its Fencing port and the real Leadership: a refusal because it moved its own fence hands back the moved fence and counts no fencing loss', async () => {
    const { h } = await leading();
    const taken = h.manager.fencing.current();
    if (taken === undefined) throw new Error('not fenced');
    const moved = await h.manager.fencing.supersede(taken);

    expect(await h.manager.fencing.afterRefusal(taken, h.etcd.get(FENCE_KEY))).toEqual(moved);
    expect((await h.metrics.fencingLost.get()).values[0]?.value ?? 0).toBe(0);
    expect(h.manager.isLeading).toBe(true);
  });

  it('through its Fencing port: a move that failed is not fencing lost (no count; the move and a refusal under the old fence say the fence is unavailable for now), and it fences again and leads', async () => {
    const { h } = await leading();
    const taken = h.manager.fencing.current();
    if (taken === undefined) throw new Error('not fenced');
    h.holdFence = true;
    const move = h.manager.fencing.supersede(taken).then(() => undefined, (error: unknown) => error);
    await h.advance(0);
    h.etcd.acquireFence(FENCE_KEY, IDENTITY); // the move applied; its answer is lost
    h.pendingFences.shift()?.fail(unavailable());
    await h.advance(0);

    expect(await move).toBeInstanceOf(FenceUnavailableError);
    await expect(h.manager.fencing.afterRefusal(taken, h.etcd.get(FENCE_KEY))).rejects.toBeInstanceOf(FenceUnavailableError);
    expect((await h.metrics.fencingLost.get()).values[0]?.value ?? 0).toBe(0);
    releaseFences(h);
    await h.advance(10_000);
    expect(h.manager.isLeading).toBe(true);
  });

  it('through its Fencing port: a refusal whose read-back shows another holder\'s fence is fencing lost, each such refused write counted', async () => {
    const { h } = await leading();
    const taken = h.manager.fencing.current();
    if (taken === undefined) throw new Error('not fenced');
    h.fenceTakenByAnother(true);

    await expect(h.manager.fencing.afterRefusal(taken, h.etcd.get(FENCE_KEY))).rejects.toBeInstanceOf(FencingLostError);
    await expect(h.manager.fencing.afterRefusal(taken, h.etcd.get(FENCE_KEY))).rejects.toBeInstanceOf(FencingLostError);
    expect((await h.metrics.fencingLost.get()).values[0]?.value).toBe(2);
    expect(h.manager.isLeading).toBe(false);
  });

  it('takes over from a fence it had not seen (a deposed leader\'s), fencing again from the revision etcd holds', async () => {
    const h = new ManagerHarness();
    h.create(liveEntry());
    await h.manager.start();
    const deposed = h.fenceTakenByAnother(true); // written before this replica watched: it has not seen it
    h.leaseAcquired();
    await h.advance(1_000);

    expect(h.steps.filter((s) => s.startsWith('fence.'))).toEqual(['fence.taken ' + deposed, 'fence.acquire', `fence.moved ${deposed}`, 'fence.acquire', expect.stringMatching(/^fence\.acquired /)]);
    expect(h.manager.isLeading).toBe(true);
    expect(h.commits).toBe(1);
  });

  it('stops writing as soon as the etcd watch shows the fence moved to another holder', async () => {
    const { h, key } = await leading();

    h.fenceTakenByAnother();
    expect(h.manager.isLeading).toBe(false);
    expect(await h.leaderGauge()).toBe(0);
    h.updateSpec(key, CHANGED);
    await h.advance(1_000);
    expect(h.commits).toBe(1);
  });

  it('clears the gauge when the Lease is lost', async () => {
    const { h } = await leading();
    expect(await h.leaderGauge()).toBe(1);

    h.leaseLost();
    expect(await h.leaderGauge()).toBe(0);
    expect(h.manager.isLeading).toBe(false);
  });

  it('lets in-flight reconciles finish before releasing the Lease on stop', async () => {
    const h = new ManagerHarness();
    h.create(liveEntry());
    await h.manager.start();
    h.holdCommits = true;
    h.leaseAcquired();
    await h.advance(1_000);
    expect(h.steps).toContain('etcd.commit started');

    const stopped = h.manager.stop();
    await h.advance(1_000);
    h.releaseCommits();
    await h.advance(1_000);
    await stopped;

    const after = h.steps.slice(h.steps.indexOf('etcd.commit started'));
    expect(after).toEqual(['etcd.commit started', 'etcd.commit done', 'elector.stop']);
    expect(h.log.summary()).toContain('kube.patchStatus'); // the drained reconcile still reported its status
  });

  it('reports no stall while etcd keeps refusing the fence, a stall once an attempt hangs past the deadline, and recovers once fenced', async () => {
    const h = new ManagerHarness({ leadership: { fenceDeadlineMs: 60_000, retryMaxMs: 15_000 } });
    await h.manager.start();
    h.holdFence = true;
    h.leaseAcquired();
    let refused = 0;
    for (let elapsed = 0; elapsed <= 120_000; elapsed += 1_000) {
      for (const pending of h.pendingFences.splice(0)) {
        pending.fail(unavailable());
        refused++;
      }
      await h.advance(1_000);
    }
    expect(refused, 'etcd refused fence attempts throughout').toBeGreaterThanOrEqual(4);
    expect(h.manager.stalled()).toBeUndefined();

    await h.advance(15_000 + 60_001); // the next attempt starts and never completes
    expect(h.pendingFences).toHaveLength(1);
    expect(h.manager.stalled()).toMatch(/held the lease for \d+s without a fence/);

    releaseFences(h);
    await h.advance(15_000);
    expect(h.manager.isLeading).toBe(true);
    expect(h.manager.stalled()).toBeUndefined();
  });

  it('never reports a stall while it does not hold the Lease, even after a stalled term', async () => {
    const h = new ManagerHarness({ leadership: { fenceDeadlineMs: 60_000 } });
    await h.manager.start();
    h.holdFence = true;
    h.leaseAcquired();
    await h.advance(60_001); // the fence attempt never completes: a stall while the Lease is held
    expect(h.manager.stalled()).toBeDefined();

    h.leaseLost();
    await h.advance(120_000);
    expect(h.manager.stalled()).toBeUndefined();
  });
});
