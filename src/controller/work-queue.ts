/**
 * A keyed work queue with client-go's workqueue semantics:
 * - a key is queued at most once (adding a queued key is a no-op);
 * - a key is processed by at most one worker at a time; a key added while in flight is processed
 *   again after the current run ends (it is "dirty"), never concurrently;
 * - `retry` requeues a key after a per-key exponential backoff with jitter; `forget` resets it;
 * - `addAfter` requeues after a fixed delay (resync, requeueAfter).
 *
 * Workers run `process(key)` concurrently up to `concurrency`. `shutdown` stops taking keys and
 * resolves when in-flight work has finished.
 */

export type ProcessResult = { readonly kind: 'done' } | { readonly kind: 'retry' } | { readonly kind: 'after'; readonly ms: number };

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
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly dueAt = new Map<string, number>();
  private running = 0;
  private stopping = false;
  private readonly idle: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    this.options = options;
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

  /** Queues `key` after `ms`, unless it is queued sooner; an earlier pending delay wins. */
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

  /** The delay the next retry of `key` would wait: base * 2^failures with ±50% jitter, capped at max. */
  nextBackoffMs(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    const raw = this.options.backoffBaseMs * 2 ** failures;
    return Math.min(raw * (0.5 + Math.random()), this.options.backoffMaxMs);
  }

  /** Requeues `key` after its backoff and counts the failure. */
  retry(key: string): void {
    const delay = this.nextBackoffMs(key);
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    this.options.hooks?.retried?.();
    this.addAfter(key, delay);
  }

  /** Resets the backoff of `key` (it succeeded, or gave up for good). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
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
    if (result.kind === 'done') this.forget(key);
    else if (result.kind === 'retry') this.retry(key);
    else this.addAfter(key, result.ms);
    if (this.dirty.delete(key)) this.add(key);
    if (this.stopping && this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
    this.pump();
  }
}
