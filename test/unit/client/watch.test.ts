/**
 * The reader's watch iterator over fake etcd watch streams (the seam the operator's PrefixWatcher
 * reads etcd through: one for the data keys, one for the meta keys) and fake reads: what it yields,
 * in which order, when the consumer is slow, when a put's meta revision is compacted, when a value
 * fails its checks, how each put finds its meta (the meta watch's event, in either order, or a read
 * when there is none), and what it tells of a lost and recovered etcd. What etcd does with real
 * watches is covered by test/integration/client/watch.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { Etcd3, IWatchRequest, IWatchResponse } from 'etcd3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IntegrityError, type ReadError } from '../../../src/client/errors.ts';
import type { Change, Entry, Snapshot, Watch } from '../../../src/client/types.ts';
import type { RawEntry } from '../../../src/client/verify-entry.ts';
import { META_WAIT_MS, openWatch } from '../../../src/client/watch.ts';

/** A watch stream that records the prefix the watcher asked for and lets the test answer as etcd would. */
class FakeStream extends EventEmitter {
  prefix = '';
  progressRequests = 0;
  write(request: IWatchRequest): boolean {
    if (request.create_request?.key) this.prefix = request.create_request.key.toString('utf8');
    if (request.progress_request) this.progressRequests++;
    return true;
  }
  cancel(): void {}
  /** One response carrying puts of `<prefix><key>` at the given revisions (data: `{"r":revision}`, meta: `{"meta":revision}`). */
  puts(...changes: [key: string, revision: number][]): void {
    const kind = this.prefix.includes('/meta/') ? 'meta' : 'r';
    const events = changes.map(([key, revision]) => ({ type: 'Put', kv: { key: Buffer.from(`${this.prefix}${key}`), value: Buffer.from(`{"${kind}":${revision}}`), mod_revision: String(revision), create_revision: '1' } }));
    this.emit('data', { header: { revision: String(changes[changes.length - 1]?.[1] ?? 0) }, created: false, canceled: false, events } as unknown as IWatchResponse);
  }
  /** A progress notification: every change through `revision` was delivered. */
  progress(revision: number): void {
    this.emit('data', { header: { revision: String(revision) }, created: false, canceled: false, events: [] } as unknown as IWatchResponse);
  }
}

interface Harness {
  readonly watch: Watch<unknown>;
  /** The latest stream of the data watch, and of the meta watch. */
  readonly data: () => FakeStream;
  readonly meta: () => FakeStream;
  readonly snapshots: string[];
  /** The revisions metas were read at (one range each). */
  readonly metaReads: string[];
  /** What verify was given, in order. */
  readonly verified: RawEntry[];
  readonly errors: ReadError[];
  readonly recovered: () => number;
}

const opened: Watch<unknown>[] = [];
afterEach(async () => {
  for (const w of opened.splice(0)) await w.close();
  vi.useRealTimers();
});

/** What a long wait for a meta is set to where falling back on the timeout must not pass a test (it would time out instead). */
const NO_FALLBACK_MS = 60_000;

/**
 * A watch after revision 10 on fake etcd. Metas read at a revision in `compacted` fail as compacted
 * (others read as `{"read":revision}`); `snapshotAt` is the revision of each snapshot taken; verify
 * rejects values whose key starts with "bad". `metaWaitMs` is how long a put waits for its meta.
 * With `holdReopens`, a stream opened after the first two (a reconnect) exists only once `release()`
 * is called (`held()` counts the ones waiting). The first `unavailableReads` meta reads fail as unavailable.
 */
async function harness(options: { maxQueued?: number; compacted?: number[]; snapshotAt?: number; metaWaitMs?: number; holdReopens?: boolean; unavailableReads?: number } = {}): Promise<Harness & { held: () => number; release: () => void }> {
  const streams: FakeStream[] = [];
  let opens = 0;
  const held: (() => void)[] = [];
  const newStream = (): Promise<FakeStream> => {
    const stream = (): FakeStream => streams[streams.push(new FakeStream()) - 1] as FakeStream;
    if (!options.holdReopens || ++opens <= 2) return Promise.resolve(stream());
    return new Promise((resolve) => held.push(() => resolve(stream())));
  };
  const snapshots: string[] = [];
  const metaReads: string[] = [];
  const verified: RawEntry[] = [];
  const errors: ReadError[] = [];
  let recovered = 0;
  const etcd = {
    watchClient: { watch: newStream },
    kv: {
      range: ({ revision, count_only }: { revision: string; count_only?: boolean }) => {
        // The meta watch's full read asks for the store's revision only.
        if (count_only) return Promise.resolve({ header: { revision: String(options.snapshotAt ?? 100) }, kvs: [], count: '0' });
        metaReads.push(revision);
        if (metaReads.length <= (options.unavailableReads ?? 0)) return Promise.reject(new Error('14 UNAVAILABLE: read ECONNRESET'));
        return options.compacted?.includes(Number(revision))
          ? Promise.reject(new Error('11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted'))
          : Promise.resolve({ kvs: [{ value: Buffer.from(`{"read":${revision}}`), mod_revision: revision }] });
      },
    },
  } as unknown as Etcd3;
  const watch = openWatch<unknown>({
    etcd,
    prefix: '/p',
    namespace: 'ns',
    options: {
      afterRevision: '10',
      ...(options.maxQueued ? { maxQueued: options.maxQueued } : {}),
      onError: (error) => errors.push(error),
      onRecovered: () => recovered++,
    },
    verify: (raw: RawEntry): Promise<Entry<unknown> | ReadError> => {
      verified.push(raw);
      return Promise.resolve(
        raw.key.startsWith('bad')
          ? new IntegrityError(`${raw.key}: changed outside Cairn`)
          : { namespace: 'ns', key: raw.key, value: JSON.parse(raw.data?.value ?? 'null'), revision: raw.data?.modRevision ?? '0', generation: 1, schema: 's@v1', dataHash: 'h' },
      );
    },
    snapshot: (): Promise<Snapshot<unknown>> => {
      const revision = String(options.snapshotAt ?? 100);
      snapshots.push(revision);
      return Promise.resolve({ revision, entries: [], rejected: [] });
    },
    onClose: () => undefined,
    ...(options.metaWaitMs === undefined ? {} : { metaWaitMs: options.metaWaitMs }),
  });
  opened.push(watch);
  const latest = (kind: string) => (): FakeStream => streams.filter((s) => s.prefix.startsWith(`/p/${kind}/ns/`)).at(-1) as FakeStream;
  for (let i = 0; i < 100 && streams.filter((s) => s.prefix !== '').length < 2; i++) await new Promise((r) => setImmediate(r));
  return {
    watch,
    data: latest('data'),
    meta: latest('meta'),
    snapshots,
    metaReads,
    verified,
    errors,
    recovered: () => recovered,
    held: () => held.length,
    release: () => held.splice(0).forEach((resolve) => resolve()),
  };
}

async function take(watch: Watch<unknown>, n: number): Promise<[string, string, string?][]> {
  const items: [string, string, string?][] = [];
  for (let i = 0; i < n; i++) {
    const { value } = (await watch.next()) as { value: Change };
    items.push([value.type, value.revision, value.type === 'resync' ? value.reason : value.type === 'delete' ? value.key : value.type === 'put' ? value.entry.key : value.key]);
  }
  return items;
}

/** The meta each verified put was judged with. */
function metasJudged(h: Harness): (string | undefined)[] {
  return h.verified.map((raw) => raw.meta?.value);
}

describe('the reader’s watch iterator', () => {
  it('yields puts in revision order, skipping what is at or below the revision it started after', async () => {
    const h = await harness();
    h.data().puts(['a', 9], ['a', 11], ['b', 12]);
    h.data().puts(['a', 13]);
    expect(await take(h.watch, 3)).toEqual([
      ['put', '11', 'a'],
      ['put', '12', 'b'],
      ['put', '13', 'a'],
    ]);
  });

  it('yields a value that fails its checks as rejected, and goes on', async () => {
    const h = await harness();
    h.data().puts(['bad', 11], ['a', 12]);
    expect(await take(h.watch, 2)).toEqual([
      ['rejected', '11', 'bad'],
      ['put', '12', 'a'],
    ]);
  });

  it('a consumer that falls maxQueued changes behind gets one overflow snapshot, then only what is newer', async () => {
    const h = await harness({ maxQueued: 2, snapshotAt: 20 });
    h.data().puts(['a', 11], ['b', 12], ['c', 13], ['d', 14], ['e', 15]);
    h.data().puts(['f', 21]);
    expect(await take(h.watch, 2)).toEqual([
      ['resync', '20', 'overflow'],
      ['put', '21', 'f'],
    ]);
    expect(h.snapshots).toEqual(['20']);
  });

  it('a put whose meta revision was compacted is covered by a fresh snapshot; changes below it are not yielded again', async () => {
    const h = await harness({ compacted: [12], snapshotAt: 13 });
    h.data().puts(['a', 11], ['b', 12], ['c', 13], ['d', 14]);
    expect(await take(h.watch, 3)).toEqual([
      ['put', '11', 'a'],
      ['resync', '13', 'compacted'],
      ['put', '14', 'd'],
    ]);
  });

  it('ends the iteration on close', async () => {
    const h = await harness();
    const pending = h.watch.next();
    await h.watch.close();
    expect(await pending).toEqual({ done: true, value: undefined });
  });
});

/** Lets the watch's tasks run (stream callbacks, the consumer's awaits). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition(), what).toBe(true);
}

describe('each put joined with its meta', () => {
  it('meta before data: the put is judged with the meta watch’s event, and no meta is read', async () => {
    const h = await harness();
    h.meta().puts(['a', 11], ['b', 12]);
    h.data().puts(['a', 11], ['b', 12]);
    expect(await take(h.watch, 2)).toEqual([
      ['put', '11', 'a'],
      ['put', '12', 'b'],
    ]);
    expect(metasJudged(h)).toEqual(['{"meta":11}', '{"meta":12}']);
    expect(h.metaReads).toEqual([]);
  });

  it('data before meta: the put waits for its meta on the meta watch, and no meta is read', async () => {
    const h = await harness();
    const next = take(h.watch, 1);
    h.data().puts(['a', 11]);
    await settle();
    expect(h.verified).toEqual([]);
    h.meta().puts(['a', 11]);
    expect(await next).toEqual([['put', '11', 'a']]);
    expect(metasJudged(h)).toEqual(['{"meta":11}']);
    expect(h.metaReads).toEqual([]);
  });

  it('meta missing: a put without a meta event in its revision asks the meta watch for progress, and is read at its revision once that passes it', async () => {
    const h = await harness({ metaWaitMs: NO_FALLBACK_MS });
    const next = take(h.watch, 1);
    h.data().puts(['a', 11]);
    await settle();
    expect([h.metaReads, h.meta().progressRequests]).toEqual([[], 1]); // waiting, and asked
    h.meta().progress(11);
    expect(await next).toEqual([['put', '11', 'a']]);
    expect(h.metaReads).toEqual(['11']);
    h.meta().puts(['a', 12]);
    h.data().puts(['a', 12]);
    expect(await take(h.watch, 1)).toEqual([['put', '12', 'a']]);
    expect(metasJudged(h)).toEqual(['{"read":11}', '{"meta":12}']);
    expect(h.metaReads).toEqual(['11']);
  });

  it('meta missing, the meta watch’s member behind: its progress below the put’s revision is followed by another request', async () => {
    const h = await harness({ metaWaitMs: NO_FALLBACK_MS });
    const next = take(h.watch, 1);
    h.data().puts(['a', 12]);
    await settle();
    h.meta().progress(11); // that member has not applied 12 yet
    await until('progress asked again', () => h.meta().progressRequests === 2);
    expect(h.metaReads).toEqual([]);
    h.meta().progress(12);
    expect(await next).toEqual([['put', '12', 'a']]);
    expect(h.metaReads).toEqual(['12']);
  });

  it('meta missing and no progress: the put is read after META_WAIT_MS, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const h = await harness();
    const next = take(h.watch, 1);
    h.data().puts(['a', 11]);
    await settle();
    vi.advanceTimersByTime(META_WAIT_MS - 1);
    await settle();
    expect([h.metaReads, h.meta().progressRequests]).toEqual([[], 1]); // asked, no answer, still waiting
    vi.advanceTimersByTime(1);
    expect(await next).toEqual([['put', '11', 'a']]);
    expect(metasJudged(h)).toEqual(['{"read":11}']);
  });

  it('meta watch away: a put is read at once while the meta watch reconnects', async () => {
    const h = await harness({ metaWaitMs: NO_FALLBACK_MS });
    h.meta().emit('error', new Error('14 UNAVAILABLE: read ECONNRESET'));
    h.data().puts(['a', 11]);
    expect(await take(h.watch, 1)).toEqual([['put', '11', 'a']]);
    expect(metasJudged(h)).toEqual(['{"read":11}']);
  });

  it('meta watch fails while a put waits for its meta: the put is read at once', async () => {
    const h = await harness({ metaWaitMs: NO_FALLBACK_MS });
    const next = take(h.watch, 1);
    h.data().puts(['a', 11]);
    await settle();
    expect([h.metaReads, h.meta().progressRequests]).toEqual([[], 1]); // waiting, and asked
    h.meta().emit('error', new Error('14 UNAVAILABLE: read ECONNRESET'));
    expect(await next).toEqual([['put', '11', 'a']]);
    expect(metasJudged(h)).toEqual(['{"read":11}']);
  });

  it('meta watch re-opened: a put waiting while its stream is being created asks that stream for progress as soon as it exists', async () => {
    const h = await harness({ metaWaitMs: NO_FALLBACK_MS, holdReopens: true });
    const first = h.meta();
    first.emit('error', new Error('14 UNAVAILABLE: read ECONNRESET'));
    await until('the meta watch re-opening', () => h.held() === 1);
    const next = take(h.watch, 1);
    h.data().puts(['a', 11]);
    await settle();
    expect(h.metaReads).toEqual([]); // the meta watch is watching again: the put waits for it
    h.release();
    await until('progress asked on the new meta stream', () => h.meta() !== first && h.meta().progressRequests === 1);
    h.meta().progress(11);
    expect(await next).toEqual([['put', '11', 'a']]);
    expect(h.metaReads).toEqual(['11']);
  });

  it('compaction between: a put whose meta came on the meta watch is served though its revision is compacted; one whose meta must be read is covered by a snapshot', async () => {
    const h = await harness({ compacted: [11, 12], snapshotAt: 13 });
    h.meta().puts(['a', 11]);
    h.meta().progress(12);
    h.meta().puts(['c', 13], ['d', 14]);
    h.data().puts(['a', 11], ['b', 12], ['c', 13], ['d', 14]);
    expect(await take(h.watch, 3)).toEqual([
      ['put', '11', 'a'],
      ['resync', '13', 'compacted'],
      ['put', '14', 'd'],
    ]);
    expect(h.metaReads).toEqual(['12']);
    expect(metasJudged(h)).toEqual(['{"meta":11}', '{"meta":14}']);
  });

  it('tells onError of each failure and onRecovered once, when etcd answers again', async () => {
    const h = await harness();
    const [firstData, firstMeta] = [h.data(), h.meta()];
    firstData.emit('error', new Error('14 UNAVAILABLE: connect ECONNREFUSED'));
    firstMeta.emit('error', new Error('14 UNAVAILABLE: connect ECONNREFUSED'));
    expect([h.errors.map((e) => e.code), h.recovered()]).toEqual([['Unavailable', 'Unavailable'], 0]);
    await until('both watches re-opened', () => h.data() !== firstData && h.data().prefix !== '' && h.meta() !== firstMeta && h.meta().prefix !== '');
    expect(h.recovered()).toBe(0); // a stream created is no answer yet
    h.data().progress(11);
    h.meta().progress(11);
    h.data().progress(12);
    h.meta().progress(12);
    expect(h.recovered()).toBe(1);
  });

  it('a failure is over only when the stream that failed answers: the meta watch’s progress does not end the data watch’s failure', async () => {
    const h = await harness();
    const first = h.data();
    first.emit('error', new Error('14 UNAVAILABLE: etcdserver: no leader'));
    await until('the data watch re-opened', () => h.data() !== first && h.data().prefix !== '');
    h.meta().progress(11);
    expect(h.recovered()).toBe(0);
    h.data().progress(11);
    expect(h.recovered()).toBe(1);
  });

  it('a watch etcd cancels because history was compacted is no failure: nothing told to onError, the resync says it', async () => {
    const h = await harness({ snapshotAt: 40 });
    const compacted = { header: { revision: '41' }, created: false, canceled: true, compact_revision: '40', cancel_reason: 'mvcc: required revision has been compacted', events: [] };
    h.data().emit('data', compacted);
    h.meta().emit('data', compacted);
    expect(await take(h.watch, 1)).toEqual([['resync', '40', 'compacted']]);
    await settle();
    expect([h.errors, h.recovered()]).toEqual([[], 0]);
  });

  it('a failed read is over only when a read answers: the streams’ progress does not end it', async () => {
    const h = await harness({ metaWaitMs: NO_FALLBACK_MS, unavailableReads: 1 });
    const next = take(h.watch, 1);
    h.data().puts(['a', 11]);
    await settle();
    h.meta().progress(11); // no meta in 11: read it, and that read fails
    await until('the read failed', () => h.errors.length === 1);
    h.data().progress(12);
    h.meta().progress(12);
    expect(h.recovered()).toBe(0);
    expect(await next).toEqual([['put', '11', 'a']]); // the read, retried
    expect([h.metaReads, h.recovered()]).toEqual([['11', '11'], 1]);
  });
});
