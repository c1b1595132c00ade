/**
 * A list-watch cache that does not give up.
 *
 * Why not client-node's ListWatch: it stops for good on any watch error other than 410 or a client
 * timeout (the error callback is its last word), and it caches objects whole. This informer:
 * - lists, then watches from the list's resourceVersion with bookmarks;
 * - on 410 Gone (in the stream or as the response) lists again and reports what changed meanwhile,
 *   deletions included;
 * - on any other error or a stream that ends, watches again from the last resourceVersion after an
 *   exponential backoff with jitter (reset by the next event that arrives);
 * - re-watches at once when the source ends a silent stream with a TimeoutError (the watchdog: the
 *   source aborts a stream that delivered nothing, not even a bookmark, for too long);
 * - caches objects trimmed by `trim`.
 *
 * Guarantees: every change to the cached state is followed by onChange(key) for the affected key (a
 * level-based signal: the handler reads the cache, never the event). Errors reach onError and the
 * informer keeps going until stop().
 */

export interface WatchHandle {
  abort(): void;
}

export interface InformerSource<T> {
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  /** Starts a watch; onDone is called once when it ends, with the error if it failed. */
  watch(resourceVersion: string, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): Promise<WatchHandle>;
}

export interface InformerOptions<T> {
  readonly source: InformerSource<T>;
  readonly keyOf: (object: T) => string;
  readonly trim: (object: T) => T;
  /** `before`/`after` are the cached objects (undefined when absent); read them, do not keep them. */
  readonly onChange: (key: string, before: T | undefined, after: T | undefined) => void;
  readonly onError: (error: unknown, context: string) => void;
  /** Called on every list after the first (410 Gone, recovery). */
  readonly onRelist?: () => void;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

function isGone(value: unknown): boolean {
  const v = value as { code?: unknown; statusCode?: unknown; status?: unknown } | undefined;
  return v?.code === 410 || v?.statusCode === 410 || v?.status === 410;
}

export class Informer<T extends { metadata?: { resourceVersion?: string } }> {
  private readonly options: InformerOptions<T>;
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private handle: WatchHandle | undefined;
  private stopped = false;
  private failures = 0;
  private synced = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** Counts lists after the first one (410s and recoveries), for metrics and tests. */
  relists = 0;

  constructor(options: InformerOptions<T>) {
    this.options = options;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  get size(): number {
    return this.cache.size;
  }

  /**
   * Write-through for the caller's own writes: replaces the cached object with `object` (the
   * apiserver's answer to a write) if the cache still holds the version the write started from,
   * and reports the change like any other: the answer may carry someone else's change that landed
   * between our read and our write (a new generation), which the handler must see. The watch event
   * for the same resourceVersion is then a no-op.
   */
  replaceIfUnchanged(key: string, fromResourceVersion: string | undefined, object: T): void {
    const cached = this.cache.get(key);
    if (cached === undefined || cached.metadata?.resourceVersion !== fromResourceVersion) return;
    const trimmed = this.options.trim(object);
    this.cache.set(key, trimmed);
    this.options.onChange(key, cached, trimmed);
  }

  /**
   * Lists until a list succeeds (the CRD may not be installed or served yet: each failure goes to
   * onError and the next try backs off), then keeps watching. Resolves when the cache holds the
   * first list, or when stopped.
   */
  async start(): Promise<void> {
    for (let failures = 0; !this.stopped; failures++) {
      try {
        await this.relist();
        this.synced = true;
        void this.watch();
        return;
      } catch (error) {
        this.options.onError(error, 'initial list');
        await new Promise<void>((resolve) => {
          this.wake = resolve; // stop() ends the wait
          this.timer = setTimeout(resolve, this.delayAfter(failures + 1));
        });
      }
    }
  }

  /** Exponential backoff with jitter after `failures` consecutive failures (0: none). */
  private delayAfter(failures: number): number {
    if (failures === 0) return 0;
    const initial = this.options.backoffInitialMs ?? 500;
    const delay = Math.min(initial * 2 ** (failures - 1), this.options.backoffMaxMs ?? 30_000);
    return delay * (0.5 + Math.random() / 2);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    this.handle?.abort();
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.options.source.list();
    const seen = new Set<string>();
    for (const item of items) {
      const key = this.options.keyOf(item);
      seen.add(key);
      this.store(key, item);
    }
    for (const [key, object] of [...this.cache.entries()]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.options.onChange(key, object, undefined);
    }
    this.resourceVersion = resourceVersion;
  }

  private store(key: string, object: T): void {
    const previous = this.cache.get(key);
    if (previous?.metadata?.resourceVersion !== undefined && previous.metadata.resourceVersion === object.metadata?.resourceVersion) return;
    const trimmed = this.options.trim(object);
    this.cache.set(key, trimmed);
    this.options.onChange(key, previous, trimmed);
  }

  private onEvent(type: string, object: unknown): void {
    if (type === 'ERROR') {
      if (isGone(object)) this.resourceVersion = ''; // the stream ends next; relist then
      else this.options.onError(object, 'watch error event');
      return;
    }
    this.failures = 0; // a healthy event, not an ERROR one, ends the backoff
    const typed = object as T;
    const rv = typed.metadata?.resourceVersion;
    if (type === 'ADDED' || type === 'MODIFIED') this.store(this.options.keyOf(typed), typed);
    else if (type === 'DELETED') {
      const key = this.options.keyOf(typed);
      const previous = this.cache.get(key);
      if (this.cache.delete(key)) this.options.onChange(key, previous, undefined);
    }
    if (rv) this.resourceVersion = rv;
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.resourceVersion === '') {
        this.relists += 1;
        this.options.onRelist?.();
        await this.relist();
      }
      const handle = await this.options.source.watch(this.resourceVersion, (t, o) => this.onEvent(t, o), (error) => this.onDone(error));
      if (this.stopped) handle.abort(); // stopped while the watch was being opened
      else this.handle = handle;
    } catch (error) {
      this.onDone(error);
    }
  }

  private onDone(error: unknown): void {
    this.handle = undefined;
    if (this.stopped) return;
    if (isGone(error)) this.resourceVersion = '';
    else if (error && (error as { name?: string }).name !== 'TimeoutError') {
      this.failures += 1;
      this.options.onError(error, 'watch failed');
    }
    // A clean end or the watchdog's timeout re-watches at once; failures back off with jitter.
    this.timer = setTimeout(() => void this.watch(), this.delayAfter(this.failures));
  }
}
