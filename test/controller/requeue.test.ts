/**
 * The reconciler behind the real work queue, with fake timers: what a failure costs in reruns.
 * Recording fakes (test/controller/fakes.ts) stand in for etcd and the apiserver.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../src/controller/work-queue.ts';
import { entry } from '../unit/fixtures.ts';
import { Scenario } from './fakes.ts';

async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** The queue over the scenario's reconciler; past 50 runs it stops reconciling, so a hot loop fails the test instead of hanging it. */
function queueFor(s: Scenario): WorkQueue {
  let runs = 0;
  const process = (key: string) => (++runs > 50 ? Promise.resolve({ kind: 'done' as const }) : s.reconcile(key));
  return new WorkQueue({ concurrency: 1, process, backoffBaseMs: 100, backoffMaxMs: 10_000, now: () => Date.now() });
}

describe('a 409 Conflict while the informer cache lags', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // jitter factor 1: delays are exact
  });
  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  /** An entry without the finalizer whose cached copy is older than the apiserver's: every finalizer patch gets 409. */
  function lagging(): { s: Scenario; key: string } {
    const s = new Scenario();
    const key = s.create(entry());
    s.api.touch(key); // a write the watch has not delivered yet
    return { s, key };
  }

  /** The watch delivers the apiserver's current object. */
  function catchUp(s: Scenario, key: string): void {
    const current = s.api.get(key);
    if (current === undefined) throw new Error(`${key} is gone`);
    s.cache.deliver({ type: 'MODIFIED', object: current });
  }

  it('is retried after a growing backoff, never at once', async () => {
    const { s, key } = lagging();
    const q = queueFor(s);
    q.add(key);
    await settle();

    expect(s.calls.of('kube.setFinalizers').map((c) => c.result)).toEqual(['conflict']);
    await vi.advanceTimersByTimeAsync(99);
    expect(s.calls.of('kube.setFinalizers')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 100 ms: the first retry
    expect(s.calls.of('kube.setFinalizers')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(s.calls.of('kube.setFinalizers')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // 300 ms: the second, 200 ms later
    expect(s.calls.of('kube.setFinalizers')).toHaveLength(3);
    expect(q.failuresOf(key)).toBe(3);
    await q.shutdown();
  });

  it('stops costing reruns once the cache catches up: the next run succeeds and resets the backoff', async () => {
    const { s, key } = lagging();
    const q = queueFor(s);
    q.add(key);
    await vi.advanceTimersByTimeAsync(300);
    expect(q.failuresOf(key)).toBe(3);

    catchUp(s, key);
    await vi.advanceTimersByTimeAsync(400);

    expect(s.calls.of('kube.setFinalizers').map((c) => c.result)).toEqual(['conflict', 'conflict', 'conflict', 'ok']);
    expect(s.etcd.applied).toHaveLength(1);
    expect(q.failuresOf(key)).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.calls.of('kube.setFinalizers')).toHaveLength(4);
    await q.shutdown();
  });
});
