/**
 * The prefix watcher's backoff when etcd refuses a watch it has just created, and what it tells of a
 * progress notification. A fake etcd watch
 * stream (the one seam the watcher reads etcd through, besides the full read) stands in; what etcd
 * does with a real watch is covered by test/integration/etcd/watcher*.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { Etcd3, IWatchRequest, IWatchResponse } from 'etcd3';
import { describe, expect, it, vi } from 'vitest';
import { PrefixWatcher } from '../../../src/etcd/watcher.ts';
import { exactDelays } from '../../support/exact-delays.ts';

/** A watch stream that records what the watcher writes and lets the test answer as etcd would. */
class FakeStream extends EventEmitter {
  readonly written: IWatchRequest[] = [];
  cancelled = false;
  write(request: IWatchRequest): boolean {
    this.written.push(request);
    return true;
  }
  cancel(): void {
    this.cancelled = true;
  }
  answer(fields: Partial<IWatchResponse>): void {
    const response = { header: { cluster_id: '1', member_id: '1', revision: '10', raft_term: '1' }, watch_id: '1', created: false, canceled: false, compact_revision: '0', cancel_reason: '', events: [], ...fields };
    this.emit('data', response as unknown as IWatchResponse);
  }
}

/** A watcher on fake streams and a fake full read; backoff 1 s doubling (ceiling x 0.75 with Math.random 0.5). */
function harness(onProgress?: () => void, onError: (error: Error) => void = () => undefined): { watcher: PrefixWatcher; streams: FakeStream[]; reads: () => number } {
  const streams: FakeStream[] = [];
  let reads = 0;
  const client = {
    watchClient: {
      watch: () => {
        const stream = new FakeStream();
        streams.push(stream);
        return Promise.resolve(stream);
      },
    },
  } as unknown as Etcd3;
  const store = {
    scanPrefix: () => {
      reads++;
      return Promise.resolve('10');
    },
  };
  const watcher = new PrefixWatcher({ client, store, prefix: '/p/', startRevision: '5', onEvent: () => undefined, onResync: () => undefined, onError, onProgress, backoff: { initialMs: 1_000, maxMs: 60_000 } });
  return { watcher, streams, reads: () => reads };
}

/** Asserts that the `n`-th full read happens `ms` from now, not a millisecond sooner. */
async function expectRead(n: number, ms: number, reads: () => number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(reads()).toBe(n - 1);
  await vi.advanceTimersByTimeAsync(1);
  expect(reads()).toBe(n);
}

/** A started watcher whose first watch etcd has just created. */
async function created(onError?: (error: Error) => void): Promise<ReturnType<typeof harness>> {
  const h = harness(undefined, onError);
  h.watcher.start();
  await vi.advanceTimersByTimeAsync(0);
  expect(h.streams).toHaveLength(1);
  h.streams[0]?.answer({ created: true });
  return h;
}

const REFUSED: Partial<IWatchResponse> = { canceled: true, cancel_reason: 'etcdserver: permission denied' };

describe('PrefixWatcher: a watch etcd creates and then cancels (not for compaction)', () => {
  exactDelays();

  it('reads the prefix again only after the backoff, which grows across created responses', async () => {
    const { watcher, streams, reads } = await created();
    streams[0]?.answer(REFUSED);
    await expectRead(1, 750, reads);
    expect(streams).toHaveLength(2);

    streams[1]?.answer({ created: true }); // created, not a sign the watch works: the backoff goes on
    streams[1]?.answer(REFUSED);
    await expectRead(2, 1_500, reads);
    await watcher.stop();
  });

  it('resets the backoff once the watch delivers a progress notification', async () => {
    const { watcher, streams, reads } = await created();
    streams[0]?.answer(REFUSED);
    await vi.advanceTimersByTimeAsync(750);
    expect(reads()).toBe(1);

    streams[1]?.answer({ created: true });
    streams[1]?.answer({ watch_id: '-1' }); // a progress notification: no events, a header revision
    streams[1]?.answer(REFUSED);
    await expectRead(2, 750, reads); // 1.5 s without the reset
    await watcher.stop();
  });

  it('reports a cancel that refuses the caller as EtcdPermissionError, any other cancel as a plain EtcdError', async () => {
    const errors: Error[] = [];
    const { watcher, streams } = await created((error) => errors.push(error));
    streams[0]?.answer(REFUSED);
    await vi.advanceTimersByTimeAsync(750);
    streams[1]?.answer({ created: true });
    streams[1]?.answer({ canceled: true, cancel_reason: 'etcdserver: too many requests' });
    await watcher.stop();
    expect(errors.map((e) => [e.constructor.name, e.message])).toEqual([
      ['EtcdPermissionError', 'watch /p/ cancelled by etcd (canceled) at revision 5: etcdserver: permission denied'],
      ['EtcdError', 'watch /p/ cancelled by etcd (canceled) at revision 11: etcdserver: too many requests'],
    ]);
  });

  it('stays stopped when its onError stops it (a reader giving up on a refusal): no read, no watch again', async () => {
    const stopping: { watcher?: PrefixWatcher } = {};
    const h = await created(() => void stopping.watcher?.stop());
    stopping.watcher = h.watcher;
    h.streams[0]?.answer(REFUSED);
    await vi.advanceTimersByTimeAsync(60_000);
    expect([h.streams.length, h.reads(), h.watcher.state]).toEqual([1, 0, 'stopped']);
  });

  it('reads at once when the watch was cancelled because history was compacted, and reports it as EtcdWatchCompactedError', async () => {
    const errors: Error[] = [];
    const { watcher, streams, reads } = await created((error) => errors.push(error));
    streams[0]?.answer({ canceled: true, compact_revision: '8', cancel_reason: 'mvcc: required revision has been compacted' });
    await vi.advanceTimersByTimeAsync(0);
    expect(reads()).toBe(1);
    expect(errors.map((e) => [e.name, e.message.includes('compacted')])).toEqual([['EtcdWatchCompactedError', true]]);
    await watcher.stop();
  });
});

describe('PrefixWatcher: progress notifications', () => {
  it('tells onProgress of a progress notification, not of created or of events', async () => {
    let progress = 0;
    const { watcher, streams } = harness(() => progress++);
    watcher.start();
    await new Promise((resolve) => setImmediate(resolve));
    const put = { type: 'Put', kv: { key: Buffer.from('/p/data/a'), value: Buffer.from('v'), mod_revision: '6', create_revision: '6', version: '1', lease: '0' } };

    streams[0]?.answer({ created: true });
    streams[0]?.answer({ events: [put] } as unknown as Partial<IWatchResponse>);
    expect(progress).toBe(0);
    streams[0]?.answer({ watch_id: '-1' });
    expect(progress).toBe(1);
    await watcher.stop();
  });
});
