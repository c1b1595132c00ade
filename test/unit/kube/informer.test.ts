/** The informer against a scripted InformerSource: lists, watches, 410 re-lists, backoff, trimming. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Informer, type InformerOptions, type InformerSource, type WatchHandle } from '../../../src/kube/informer.ts';
import { trimForCache } from '../../../src/kube/trim.ts';

interface Obj {
  metadata: { namespace: string; name: string; resourceVersion?: string; generation?: number; managedFields?: unknown; annotations?: Record<string, string> };
}

function obj(name: string, resourceVersion: string, extra: Partial<Obj['metadata']> = {}): Obj {
  return { metadata: { namespace: 'shop', name, resourceVersion, ...extra } };
}

type ListStep = { items: Obj[]; resourceVersion: string } | Error;

interface OpenWatch {
  readonly resourceVersion: string;
  readonly emit: (type: string, object: unknown) => void;
  readonly end: (error?: unknown) => void;
  aborted: boolean;
}

/** A scripted source: lists answer in order (the last answer repeats); watches fail while `watchFails` says so. */
class FakeSource implements InformerSource<Obj> {
  readonly lists: ListStep[] = [];
  listCalls = 0;
  readonly watches: OpenWatch[] = [];
  watchAttempts: { at: number; resourceVersion: string }[] = [];
  watchFails: ((attempt: number) => unknown) | undefined;

  async list(): Promise<{ items: Obj[]; resourceVersion: string }> {
    const step = this.lists[Math.min(this.listCalls, this.lists.length - 1)];
    this.listCalls += 1;
    if (step === undefined) throw new Error('no list scripted');
    if (step instanceof Error) throw step;
    return structuredClone(step);
  }

  async watch(resourceVersion: string, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): Promise<WatchHandle> {
    this.watchAttempts.push({ at: Date.now(), resourceVersion });
    const failure = this.watchFails?.(this.watchAttempts.length);
    if (failure !== undefined) throw failure;
    let done = false;
    const open: OpenWatch = {
      resourceVersion,
      aborted: false,
      emit: (type, object) => onEvent(type, structuredClone(object)),
      end: (error) => {
        if (done) return;
        done = true;
        onDone(error ?? null);
      },
    };
    this.watches.push(open);
    return { abort: () => ((open.aborted = true), open.end()) };
  }

  get current(): OpenWatch {
    const open = this.watches.at(-1);
    if (open === undefined) throw new Error('no watch open');
    return open;
  }
}

type Change = [key: string, before: string | undefined, after: string | undefined];

function harness(options: Partial<InformerOptions<Obj>> = {}) {
  const source = new FakeSource();
  const changes: Change[] = [];
  const errors: [string, string][] = [];
  let relists = 0;
  const informer = new Informer<Obj>({
    source,
    keyOf: (o) => `${o.metadata.namespace}/${o.metadata.name}`,
    trim: trimForCache,
    onChange: (key, before, after) => changes.push([key, before?.metadata.resourceVersion, after?.metadata.resourceVersion]),
    onError: (error, context) => errors.push([context, error instanceof Error ? error.message : JSON.stringify(error)]),
    onRelist: () => (relists += 1),
    backoffInitialMs: 100,
    backoffMaxMs: 1_000,
    ...options,
  });
  return { source, informer, changes, errors, relists: () => relists };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0); // jitter factor 0.5: delays are exact halves
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('Informer: the first list', () => {
  it('retries a failed first list with backoff, reports the failure, and resolves start once a list succeeds', async () => {
    const h = harness();
    h.source.lists.push(new Error('the server could not find the requested resource'), { items: [obj('a', '5')], resourceVersion: '10' });
    let started = false;
    void h.informer.start().then(() => (started = true));

    await vi.advanceTimersByTimeAsync(49);
    expect(started).toBe(false);
    expect(h.informer.hasSynced).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(started).toBe(true);
    expect(h.informer.hasSynced).toBe(true);
    expect(h.source.listCalls).toBe(2);
    expect(h.errors).toEqual([['initial list', 'the server could not find the requested resource']]);
    expect(h.changes).toEqual([['shop/a', undefined, '5']]);
    expect(h.source.current.resourceVersion).toBe('10');
    expect(h.relists()).toBe(0);
  });

  it('resolves start when stopped while the first list keeps failing', async () => {
    const h = harness();
    h.source.lists.push(new Error('connection refused'));
    let started = false;
    void h.informer.start().then(() => (started = true));
    await vi.advanceTimersByTimeAsync(10);

    h.informer.stop();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(started).toBe(true);
  });
});

describe('Informer: watch events', () => {
  async function started() {
    const h = harness();
    h.source.lists.push({ items: [obj('a', '5')], resourceVersion: '10' });
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);
    h.changes.length = 0;
    return h;
  }

  it('adds, modifies and deletes cached objects and reports each change with before and after', async () => {
    const h = await started();
    h.source.current.emit('ADDED', obj('b', '11'));
    h.source.current.emit('MODIFIED', obj('b', '12'));
    h.source.current.emit('DELETED', obj('a', '13'));

    expect(h.changes).toEqual([
      ['shop/b', undefined, '11'],
      ['shop/b', '11', '12'],
      ['shop/a', '5', undefined],
    ]);
    expect(h.informer.keys()).toEqual(['shop/b']);
    expect(h.informer.get('shop/b')?.metadata.resourceVersion).toBe('12');
    expect(h.informer.get('shop/a')).toBeUndefined();
  });

  it('ignores an event for the resourceVersion it already holds', async () => {
    const h = await started();
    h.source.current.emit('MODIFIED', obj('a', '5'));
    expect(h.changes).toEqual([]);
  });

  it('ignores a DELETED event for an object it does not hold', async () => {
    const h = await started();
    h.source.current.emit('DELETED', obj('zzz', '11'));
    expect(h.changes).toEqual([]);
  });

  it('reports a watch ERROR event that is not 410 Gone', async () => {
    const h = await started();
    h.source.current.emit('ERROR', { code: 500, message: 'internal error' });
    expect(h.errors).toEqual([['watch error event', '{"code":500,"message":"internal error"}']]);
  });

  it('caches objects trimmed to what the reconciler reads (no managedFields, no annotations)', async () => {
    const h = await started();
    h.source.current.emit('ADDED', obj('b', '11', { managedFields: [{ manager: 'kubectl' }], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', team: 'payments' } }));

    expect(h.informer.get('shop/b')?.metadata).toEqual({ namespace: 'shop', name: 'b', resourceVersion: '11' });
  });

  it('moves on from a bookmark: the next watch starts from its resourceVersion', async () => {
    const h = await started();
    h.source.current.emit('BOOKMARK', { metadata: { resourceVersion: '42' } });
    h.source.current.end();
    await vi.advanceTimersByTimeAsync(0);

    expect(h.source.current.resourceVersion).toBe('42');
    expect(h.changes).toEqual([]);
  });
});

describe('Informer: 410 Gone', () => {
  it('re-lists after an ERROR 410 event and the end of the stream, reporting keys deleted meanwhile', async () => {
    const h = harness();
    h.source.lists.push({ items: [obj('a', '5'), obj('b', '6')], resourceVersion: '10' }, { items: [obj('b', '6'), obj('c', '30')], resourceVersion: '31' });
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);
    h.changes.length = 0;

    h.source.current.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 10 (25)' });
    h.source.current.end();
    await vi.advanceTimersByTimeAsync(0);

    expect(h.source.listCalls).toBe(2);
    expect(h.relists()).toBe(1);
    expect(h.informer.relists).toBe(1);
    expect(h.changes).toEqual([
      ['shop/c', undefined, '30'],
      ['shop/a', '5', undefined],
    ]);
    expect(h.informer.keys().sort()).toEqual(['shop/b', 'shop/c']);
    expect(h.source.current.resourceVersion).toBe('31');
    expect(h.errors).toEqual([]);
  });

  it('re-lists when the watch request itself is answered 410', async () => {
    const h = harness();
    h.source.lists.push({ items: [], resourceVersion: '10' }, { items: [obj('c', '30')], resourceVersion: '31' });
    h.source.watchFails = (attempt) => (attempt === 1 ? { statusCode: 410 } : undefined);
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);

    expect(h.source.listCalls).toBe(2);
    expect(h.source.watchAttempts.map((a) => a.resourceVersion)).toEqual(['10', '31']);
    expect(h.changes).toEqual([['shop/c', undefined, '30']]);
  });

  it('keeps re-listing with backoff while the re-list fails', async () => {
    const h = harness();
    h.source.lists.push({ items: [], resourceVersion: '10' }, new Error('etcd leader changed'), new Error('etcd leader changed'), { items: [], resourceVersion: '40' });
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);
    h.source.current.emit('ERROR', { code: 410 });
    h.source.current.end();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.source.listCalls).toBe(2);

    await vi.advanceTimersByTimeAsync(50);
    expect(h.source.listCalls).toBe(3);
    await vi.advanceTimersByTimeAsync(100);

    expect(h.source.listCalls).toBe(4);
    expect(h.source.current.resourceVersion).toBe('40');
    expect(h.errors.map(([context]) => context)).toEqual(['watch failed', 'watch failed']);
  });
});

describe('Informer: watch failures and restarts', () => {
  it('backs off exponentially while the watch keeps failing, up to the maximum', async () => {
    const h = harness();
    h.source.lists.push({ items: [], resourceVersion: '10' });
    h.source.watchFails = () => new Error('connect ECONNREFUSED 127.0.0.1:6443');
    const t0 = Date.now();
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(2_000);

    // delays 50, 100, 200, 400, 500, 500 (initial 100 doubling, capped at 1000, halved by jitter)
    expect(h.source.watchAttempts.map((a) => a.at - t0)).toEqual([0, 50, 150, 350, 750, 1_250, 1_750]);
    expect(h.errors).toHaveLength(7);
    expect(h.errors[0]).toEqual(['watch failed', 'connect ECONNREFUSED 127.0.0.1:6443']);
    expect(h.source.watchAttempts.every((a) => a.resourceVersion === '10')).toBe(true);
  });

  it('resets the backoff once an event arrives', async () => {
    const h = harness();
    h.source.lists.push({ items: [], resourceVersion: '10' });
    h.source.watchFails = (attempt) => (attempt <= 3 ? new Error('refused') : undefined);
    const t0 = Date.now();
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(350);
    expect(h.source.watchAttempts).toHaveLength(4);

    h.source.current.emit('ADDED', obj('a', '11'));
    h.source.current.end(new Error('stream reset'));
    await vi.advanceTimersByTimeAsync(49);
    expect(h.source.watchAttempts).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);

    expect(h.source.watchAttempts.map((a) => a.at - t0)).toEqual([0, 50, 150, 350, 400]);
    expect(h.source.current.resourceVersion).toBe('11');
  });

  it('re-watches at once from the last resourceVersion when a silent stream ends with a TimeoutError', async () => {
    const h = harness();
    h.source.lists.push({ items: [], resourceVersion: '10' });
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);
    h.source.current.emit('ADDED', obj('a', '15'));

    h.source.current.end(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }));
    await vi.advanceTimersByTimeAsync(0);

    expect(h.source.watches).toHaveLength(2);
    expect(h.source.current.resourceVersion).toBe('15');
    expect(h.source.listCalls).toBe(1);
    expect(h.errors).toEqual([]);
  });

  it('re-watches at once after a clean end of the stream (the server timeout)', async () => {
    const h = harness();
    h.source.lists.push({ items: [], resourceVersion: '10' });
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);

    h.source.current.end();
    await vi.advanceTimersByTimeAsync(0);

    expect(h.source.watches).toHaveLength(2);
    expect(h.source.current.resourceVersion).toBe('10');
    expect(h.errors).toEqual([]);
  });

  it('stops: aborts the open watch and opens no other', async () => {
    const h = harness();
    h.source.lists.push({ items: [], resourceVersion: '10' });
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);
    const open = h.source.current;

    h.informer.stop();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(open.aborted).toBe(true);
    expect(h.source.watches).toHaveLength(1);
  });

  it('aborts a watch that was still being opened when stop() ran', async () => {
    const h = harness();
    h.source.lists.push({ items: [], resourceVersion: '10' });
    let open: ((handle: WatchHandle) => void) | undefined;
    let aborted = false;
    h.source.watch = () => new Promise<WatchHandle>((resolve) => (open = resolve));
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(open).toBeDefined();

    h.informer.stop();
    open?.({ abort: () => (aborted = true) });
    await vi.advanceTimersByTimeAsync(0);

    expect(aborted).toBe(true);
  });
});

describe('Informer: write-through of our own writes', () => {
  async function startedWith(items: Obj[]) {
    const h = harness();
    h.source.lists.push({ items, resourceVersion: '10' });
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);
    h.changes.length = 0;
    return h;
  }

  it('replaces the cached object with the answer to our write when the cache still holds the version the write started from, and reports it once', async () => {
    const h = await startedWith([obj('a', '5')]);
    h.informer.replaceIfUnchanged('shop/a', '5', obj('a', '12'));

    expect(h.informer.get('shop/a')?.metadata.resourceVersion).toBe('12');
    const reported = h.changes.length;
    expect(reported).toBe(1);
    h.source.current.emit('MODIFIED', obj('a', '12')); // the watch catching up with our write
    expect(h.changes).toHaveLength(reported);
  });

  it('keeps a newer cached object', async () => {
    const h = await startedWith([obj('a', '7')]);
    h.informer.replaceIfUnchanged('shop/a', '5', obj('a', '12'));
    expect(h.informer.get('shop/a')?.metadata.resourceVersion).toBe('7');
  });

  // The answer to our write may carry someone else's change (a new generation) made between our read
  // and our write: it must reach the handler as a generation change.
  it('reports a spec change that the answer to our own status patch already contained as a change of generation', async () => {
    const generations: [number | undefined, number | undefined][] = [];
    const h = harness({ onChange: (_key, before, after) => generations.push([before?.metadata.generation, after?.metadata.generation]) });
    h.source.lists.push({ items: [obj('a', '103', { generation: 3 })], resourceVersion: '103' });
    await h.informer.start();
    await vi.advanceTimersByTimeAsync(0);
    generations.length = 0;

    // Our status patch started from 103; a user's spec change (104) landed first; the answer is 105.
    h.informer.replaceIfUnchanged('shop/a', '103', obj('a', '105', { generation: 4 }));
    h.source.current.emit('MODIFIED', obj('a', '104', { generation: 4 }));
    h.source.current.emit('MODIFIED', obj('a', '105', { generation: 4 }));

    expect(generations).toContainEqual([3, 4]);
  });
});
