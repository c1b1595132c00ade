/**
 * A keyed work queue with client-go's workqueue semantics:
 * - a key is queued at most once (adding a queued key is a no-op);
 * - a key is processed by at most one worker at a time; a key added while in flight is processed
 *   again after the current run ends (it is "dirty"), never concurrently;
 * - every retry a run asks for (a failure) is rate-limited (`retry`, client-go's AddRateLimited): per key
 *   exponential with jitter, capped, under one overall token bucket (controller/rate-limiter.ts);
 *   a run that asks to wait longer (`atLeastMs`) waits the longer of the two; a run that ends `done`
 *   resets the key's backoff (`forget`);
 * - a run that ends `requeueAfter` (controller-runtime's RequeueAfter: a deliberate wait, not a
 *   failure) is added again after exactly that delay, outside the rate limiter: no failure counted,
 *   no token taken, and the key's backoff reset as for `done`; its own wait bounds its rate;
 * - `add` (client-go's Add: a watch saw a change) queues at once, whatever backoff the key is in, so
 *   a spec change is never starved by an earlier failure; it supersedes the pending requeue.
 *
 * Workers run `process(key)` concurrently up to `concurrency`. `shutdown` stops taking keys and
 * resolves when in-flight work has finished.
 */
import { RequeueRateLimiter } from './rate-limiter.ts';

export type ProcessResult =
  | { readonly kind: 'done' }
  /** Run again after the rate limiter's delay, and not before `atLeastMs` when given. */
  | { readonly kind: 'retry'; readonly atLeastMs?: number }
  /** Run again after `afterMs`: a plain delayed add, not rate-limited and not counted as a failure. */
  | { readonly kind: 'requeueAfter'; readonly afterMs: number };

export interface QueueHooks {
  readonly depth?: (depth: number) => void;
  readonly added?: () => void;
  readonly retried?: () => void;
  /** Seconds the key waited in the queue before a worker took it. */
  readonly waited?: (seconds: number) => void;
  readonly worked?: (seconds: number) => void;
  readonly active?: (workers: number) => void;
}

export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly process: (key: string) => Promise<ProcessResult>;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Overall requeues per second across keys once the burst is spent (default 10, as client-go). */
  readonly requeueQps?: number;
  /** Requeues allowed at once before the overall bucket limits (default 100, as client-go). */
  readonly requeueBurst?: number;
  /** Monotonic milliseconds for the overall bucket (performance.now by default). */
  readonly now?: () => number;
  readonly hooks?: QueueHooks;
  /** Called when process() throws (it should not: errors belong to the error policy). */
  readonly onUnexpectedError?: (key: string, error: unknown) => void;
}

export class WorkQueue {
  private readonly options: WorkQueueOptions;
  private readonly queue: string[] = [];
  private readonly queued = new Map<string, number>(); // key -> time it was queued
  private readonly inFlight = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly limiter: RequeueRateLimiter;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly dueAt = new Map<string, number>();
  private running = 0;
  private stopping = false;
  private readonly idle: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    this.options = options;
    this.limiter = new RequeueRateLimiter({
      baseMs: options.backoffBaseMs,
      maxMs: options.backoffMaxMs,
      qps: options.requeueQps ?? 10,
      burst: options.requeueBurst ?? 100,
      now: options.now,
    });
  }

  get depth(): number {
    return this.queue.length;
  }

  /** Queues `key` now (deduplicated); a pending delayed add for it is superseded. */
  add(key: string): void {
    if (this.stopping) return;
    this.clearTimer(key);
    this.options.hooks?.added?.();
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.set(key, performance.now());
    this.queue.push(key);
    this.options.hooks?.depth?.(this.queue.length);
    this.pump();
  }

  /**
   * Queues `key` after `ms` (client-go's AddAfter), unless it is queued sooner; an earlier pending
   * delay wins, so adds during the wait coalesce into one run. Not rate-limited: the caller's delay
   * bounds the rate.
   */
  addAfter(key: string, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) return this.add(key);
    const due = Date.now() + ms;
    const pending = this.dueAt.get(key);
    if (pending !== undefined && pending <= due) return;
    this.clearTimer(key);
    this.dueAt.set(key, due);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.dueAt.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, timer);
  }

  /** The per-key part of the next retry's delay: base * 2^failures with ±50% jitter, capped at max. */
  nextBackoffMs(key: string): number {
    return this.limiter.backoffMs(key);
  }

  /** Requeues `key` after the rate limiter's delay (and not before `atLeastMs`); counts the failure. */
  retry(key: string, atLeastMs = 0): void {
    const delay = Math.max(this.limiter.when(key), atLeastMs);
    this.options.hooks?.retried?.();
    this.addAfter(key, delay);
  }

  /** Resets the backoff of `key` (it succeeded, or gave up for good). */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  failuresOf(key: string): number {
    return this.limiter.failuresOf(key);
  }

  /** Stops taking new work; resolves when every in-flight key has finished. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const key of [...this.timers.keys()]) this.clearTimer(key);
    this.queue.length = 0;
    this.queued.clear();
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private clearTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
    this.dueAt.delete(key);
  }

  private pump(): void {
    while (!this.stopping && this.running < this.options.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      const since = this.queued.get(key) ?? performance.now();
      this.queued.delete(key);
      this.options.hooks?.depth?.(this.queue.length);
      this.options.hooks?.waited?.((performance.now() - since) / 1000);
      this.inFlight.add(key);
      this.running += 1;
      this.options.hooks?.active?.(this.running);
      void this.work(key);
    }
  }

  private async work(key: string): Promise<void> {
    const started = performance.now();
    let result: ProcessResult = { kind: 'retry' };
    try {
      result = await this.options.process(key);
    } catch (error) {
      this.options.onUnexpectedError?.(key, error);
    }
    this.options.hooks?.worked?.((performance.now() - started) / 1000);
    this.inFlight.delete(key);
    this.running -= 1;
    this.options.hooks?.active?.(this.running);
    if (result.kind === 'retry') {
      if (!this.stopping) this.retry(key, result.atLeastMs);
    } else {
      this.forget(key);
      if (result.kind === 'requeueAfter') this.addAfter(key, result.afterMs);
    }
    if (this.dirty.delete(key)) this.add(key);
    if (this.stopping && this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
    this.pump();
  }
}
