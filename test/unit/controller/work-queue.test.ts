/** The keyed work queue: client-go workqueue semantics (dedup, one run per key, dirty re-runs, rate-limited requeues). */
import { describe, expect, it, vi } from 'vitest';
import { type ProcessResult, WorkQueue, type WorkQueueOptions } from '../../../src/controller/work-queue.ts';
import { exactDelays } from '../../support/exact-delays.ts';

const DONE: ProcessResult = { kind: 'done' };
const RETRY: ProcessResult = { kind: 'retry' };

/** A process() whose runs stay in flight until released, recording starts, concurrency and times. */
class Worker {
  readonly started: string[] = [];
  readonly startedAt: number[] = [];
  private readonly waiting = new Map<string, ((r: ProcessResult) => void)[]>();
  private readonly inFlight = new Map<string, number>();
  running = 0;
  maxRunning = 0;
  maxRunningPerKey = 0;
  /** When set, runs finish at once with this result instead of waiting for release(). */
  auto: ((key: string, run: number) => ProcessResult) | undefined;

  readonly process = (key: string): Promise<ProcessResult> => {
    this.started.push(key);
    this.startedAt.push(Date.now());
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const perKey = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, perKey);
    this.maxRunningPerKey = Math.max(this.maxRunningPerKey, perKey);
    const finish = (result: ProcessResult): ProcessResult => {
      this.running -= 1;
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
      return result;
    };
    if (this.auto) return Promise.resolve(finish(this.auto(key, this.started.filter((k) => k === key).length)));
    return new Promise((resolve) => {
      const list = this.waiting.get(key) ?? [];
      list.push((r) => resolve(finish(r)));
      this.waiting.set(key, list);
    });
  };

  /** Ends the oldest in-flight run of `key`. */
  async release(key: string, result: ProcessResult = DONE): Promise<void> {
    const next = this.waiting.get(key)?.shift();
    if (next === undefined) throw new Error(`${key} is not in flight`);
    next(result);
    await flush();
  }

  runsOf(key: string): number {
    return this.started.filter((k) => k === key).length;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function queue(worker: Worker, options: Partial<WorkQueueOptions> = {}): WorkQueue {
  return new WorkQueue({ concurrency: 1, process: worker.process, backoffBaseMs: 100, backoffMaxMs: 1_000, ...options });
}

describe('WorkQueue: deduplication and one run per key', () => {
  it('queues a key only once however often it is added while waiting', async () => {
    const w = new Worker();
    const q = queue(w);
    q.add('a');
    q.add('b');
    q.add('b');
    q.add('b');

    expect(q.depth).toBe(1);
    await w.release('a');
    await w.release('b');

    expect(w.started).toEqual(['a', 'b']);
  });

  it('never runs one key twice at the same time, even with free workers', async () => {
    const w = new Worker();
    const q = queue(w, { concurrency: 4 });
    q.add('k');
    q.add('k');
    q.add('k');

    expect(w.running).toBe(1);
    await w.release('k');
    await w.release('k');

    expect(w.maxRunningPerKey).toBe(1);
  });

  it('runs a key added while in flight exactly once more, after the current run', async () => {
    const w = new Worker();
    const q = queue(w, { concurrency: 2 });
    q.add('k');
    q.add('k');
    q.add('k');

    expect(w.runsOf('k')).toBe(1);
    await w.release('k');
    expect(w.runsOf('k')).toBe(2);
    await w.release('k');

    expect(w.runsOf('k')).toBe(2);
    expect(q.depth).toBe(0);
  });

  it('respects the concurrency limit and still runs every key', async () => {
    const w = new Worker();
    const q = queue(w, { concurrency: 2 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) q.add(key);

    expect(w.running).toBe(2);
    expect(q.depth).toBe(3);
    for (const key of ['a', 'b', 'c', 'd', 'e']) await w.release(key);

    expect(w.maxRunning).toBe(2);
    expect(w.started).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('reports a process() that throws and retries the key', async () => {
    vi.useFakeTimers();
    const errors: string[] = [];
    let runs = 0;
    const q = new WorkQueue({
      concurrency: 1,
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
      process: async () => {
        runs += 1;
        if (runs === 1) throw new Error('boom');
        return DONE;
      },
      onUnexpectedError: (key, error) => errors.push(`${key}: ${(error as Error).message}`),
    });
    q.add('k');
    await vi.advanceTimersByTimeAsync(0);

    expect(errors).toEqual(['k: boom']);
    expect(q.failuresOf('k')).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(runs).toBe(2);
    vi.useRealTimers();
  });
});

describe('WorkQueue: retries and delays', () => {
  exactDelays();

  it('backs off exponentially per key: base, 2x base, 4x base, capped at the maximum', async () => {
    const w = new Worker();
    w.auto = (_key, run) => (run <= 6 ? RETRY : DONE);
    const q = queue(w);
    const t0 = Date.now();
    q.add('k');
    await vi.advanceTimersByTimeAsync(10_000);

    expect(w.startedAt.map((t) => t - t0)).toEqual([0, 100, 300, 700, 1_500, 2_500, 3_500]);
    expect(q.failuresOf('k')).toBe(0); // the last run succeeded: forgotten
  });

  it('keeps a separate backoff for each key', () => {
    const q = queue(new Worker());
    q.retry('a');
    q.retry('a');
    q.retry('a');

    expect(q.nextBackoffMs('a')).toBe(800);
    expect(q.nextBackoffMs('b')).toBe(100);
  });

  it('forget resets the backoff of a key', () => {
    const q = queue(new Worker());
    q.retry('a');
    q.retry('a');
    q.forget('a');

    expect(q.failuresOf('a')).toBe(0);
    expect(q.nextBackoffMs('a')).toBe(100);
  });

  it('jitters each backoff within half to one and a half times the nominal delay', () => {
    const q = queue(new Worker());
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(q.nextBackoffMs('a')).toBe(50);
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    expect(q.nextBackoffMs('a')).toBeCloseTo(149.9, 5);
  });

  it('runs a key requeued twice once, at the earlier of the two delays', async () => {
    const w = new Worker();
    w.auto = () => DONE;
    const q = queue(w);
    q.retry('late-first', 1_000);
    q.retry('late-first', 300);
    q.retry('early-first', 300);
    q.retry('early-first', 1_000);

    await vi.advanceTimersByTimeAsync(299);
    expect(w.started).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.started.sort()).toEqual(['early-first', 'late-first']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.started).toHaveLength(2);
  });

  it('add supersedes a pending requeue: the key runs now and not again at the delay', async () => {
    const w = new Worker();
    w.auto = () => DONE;
    const q = queue(w);
    q.retry('k', 500);
    q.add('k');
    await vi.advanceTimersByTimeAsync(0);
    expect(w.runsOf('k')).toBe(1);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(w.runsOf('k')).toBe(1);
  });

  it('requeues a key after the delay a run asked for when that is longer than its backoff', async () => {
    const w = new Worker();
    w.auto = (_key, run) => (run === 1 ? { kind: 'retry', atLeastMs: 250 } : DONE);
    const q = queue(w);
    const t0 = Date.now();
    q.add('k');
    await vi.advanceTimersByTimeAsync(1_000);

    expect(w.startedAt.map((t) => t - t0)).toEqual([0, 250]);
  });

  it('requeues a key after its backoff when that is longer than the delay a run asked for', async () => {
    const w = new Worker();
    w.auto = (_key, run) => (run <= 3 ? { kind: 'retry', atLeastMs: 150 } : DONE);
    const q = queue(w);
    const t0 = Date.now();
    q.add('k');
    await vi.advanceTimersByTimeAsync(2_000);

    // backoffs 100, 200, 400 against an asked-for 150: 150, 200, 400
    expect(w.startedAt.map((t) => t - t0)).toEqual([0, 150, 350, 750]);
  });

  it('limits requeues across keys with one token bucket: past the burst they wait for tokens', async () => {
    const w = new Worker();
    w.auto = (_key, run) => (run === 1 ? RETRY : DONE);
    const q = queue(w, { concurrency: 5, backoffBaseMs: 1, requeueQps: 10, requeueBurst: 2, now: () => Date.now() });
    const t0 = Date.now();
    for (const key of ['a', 'b', 'c', 'd', 'e']) q.add(key);
    await vi.advanceTimersByTimeAsync(1_000);

    const reruns = w.started.map((key, i) => ({ key, at: (w.startedAt[i] ?? 0) - t0 })).slice(5);
    // two tokens in the bucket, then one every 100 ms (10 per second)
    expect(reruns.map((r) => r.at)).toEqual([1, 1, 100, 200, 300]);
  });

  it('runs a key in backoff at once when a watch adds it, and keeps its backoff until a run succeeds', async () => {
    const w = new Worker();
    w.auto = () => RETRY;
    const q = queue(w, { backoffMaxMs: 60_000 });
    const t0 = Date.now();
    q.add('k');
    await vi.advanceTimersByTimeAsync(1_500); // runs at 0, 100, 300, 700, 1500: the next would wait 3.2 s
    expect(q.failuresOf('k')).toBe(5);

    w.auto = () => DONE;
    q.add('k'); // a spec change arrives
    await vi.advanceTimersByTimeAsync(0);

    expect(w.startedAt.map((t) => t - t0)).toEqual([0, 100, 300, 700, 1_500, 1_500]);
    expect(q.failuresOf('k')).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(w.runsOf('k')).toBe(6); // the superseded requeue does not run it again
  });

  it('does not reset the backoff of a key on add: only a success does', async () => {
    const w = new Worker();
    w.auto = () => RETRY;
    const q = queue(w, { backoffMaxMs: 60_000 });
    q.add('k');
    await vi.advanceTimersByTimeAsync(300); // runs at 0, 100, 300
    q.add('k');
    await vi.advanceTimersByTimeAsync(0);

    expect(q.failuresOf('k')).toBe(4);
    expect(q.nextBackoffMs('k')).toBe(1_600);
  });
});

describe('WorkQueue: requeueAfter (a deliberate wait, not a failure)', () => {
  exactDelays();

  it('runs the key again after exactly the asked delay, counts no failure and resets its backoff', async () => {
    const w = new Worker();
    w.auto = (_key, run) => (run <= 2 ? RETRY : run === 3 ? { kind: 'requeueAfter', afterMs: 50 } : DONE);
    const q = queue(w);
    const t0 = Date.now();
    q.add('k');
    await vi.advanceTimersByTimeAsync(300); // runs at 0, 100 (backoff 100), 300 (backoff 200)
    expect(q.failuresOf('k')).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(w.startedAt.map((t) => t - t0)).toEqual([0, 100, 300, 350]);
    expect(q.failuresOf('k')).toBe(0);
  });

  it('takes no token from the shared bucket: a key re-added at once many times does not delay another key\'s retry', async () => {
    const w = new Worker();
    // 'fighter' is an entry in a drift fight: every outside write adds it, every run defers.
    w.auto = (key, run) => (key === 'fighter' ? { kind: 'requeueAfter', afterMs: 5_000 } : run === 1 ? RETRY : DONE);
    const q = queue(w, { requeueQps: 10, requeueBurst: 1, now: () => Date.now() });
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) {
      q.add('fighter');
      await vi.advanceTimersByTimeAsync(10);
    }
    q.add('other');
    await vi.advanceTimersByTimeAsync(1_000);

    expect(w.runsOf('fighter')).toBe(100);
    const other = w.started.flatMap((key, i) => (key === 'other' ? [(w.startedAt[i] ?? 0) - t0] : []));
    expect(other).toEqual([1_000, 1_100]); // its own backoff (100 ms), no wait for tokens
  });
});

describe('WorkQueue: shutdown', () => {
  it('waits for in-flight runs, drops queued keys and ignores later adds', async () => {
    const w = new Worker();
    const q = queue(w);
    q.add('a');
    q.add('b');
    let stopped = false;
    const shutdown = q.shutdown().then(() => (stopped = true));
    q.add('c');
    await flush();

    expect(stopped).toBe(false);
    await w.release('a');
    await shutdown;

    expect(stopped).toBe(true);
    expect(w.started).toEqual(['a']);
  });

  it('resolves at once when nothing is in flight', async () => {
    const q = queue(new Worker());
    await expect(q.shutdown()).resolves.toBeUndefined();
  });

  it('does not retry a key whose last run failed during shutdown', async () => {
    vi.useFakeTimers();
    const w = new Worker();
    const q = queue(w);
    q.add('a');
    const shutdown = q.shutdown();
    await w.release('a', RETRY);
    await shutdown;
    await vi.advanceTimersByTimeAsync(10_000);

    expect(w.runsOf('a')).toBe(1);
    vi.useRealTimers();
  });

  it('resolves every caller of shutdown, not only the last', async () => {
    const w = new Worker();
    const q = queue(w);
    q.add('a');
    const first = q.shutdown();
    const second = q.shutdown();
    await w.release('a');
    await second;

    const outcome = await Promise.race([first.then(() => 'resolved'), flush().then(() => 'pending')]);
    expect(outcome).toBe('resolved');
  });
});
