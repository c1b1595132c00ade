/**
 * The reader's watch iterator over a fake etcd watch stream (the seam the operator's PrefixWatcher
 * reads etcd through) and fake reads: what it yields, in which order, when the consumer is slow, when
 * a put's meta revision is compacted, and when a value fails its checks. What etcd does with a real
 * watch is covered by test/integration/client/watch.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { Etcd3, IWatchResponse } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrityError, type ReadError } from '../../../src/client/errors.ts';
import type { Change, Entry, Snapshot, Watch } from '../../../src/client/types.ts';
import type { RawEntry } from '../../../src/client/verify-entry.ts';
import { openWatch } from '../../../src/client/watch.ts';

class FakeStream extends EventEmitter {
  write(): boolean {
    return true;
  }
  cancel(): void {}
  /** One response carrying puts of `/p/data/ns/<key>` at the given revisions. */
  puts(...changes: [key: string, revision: number][]): void {
    const events = changes.map(([key, revision]) => ({ type: 'Put', kv: { key: Buffer.from(`/p/data/ns/${key}`), value: Buffer.from(`{"r":${revision}}`), mod_revision: String(revision), create_revision: '1' } }));
    this.emit('data', { header: { revision: String(changes[changes.length - 1]?.[1] ?? 0) }, created: false, canceled: false, events } as unknown as IWatchResponse);
  }
}

interface Harness {
  readonly watch: Watch<unknown>;
  readonly stream: () => FakeStream;
  readonly snapshots: string[];
}

const opened: Watch<unknown>[] = [];
afterEach(async () => {
  for (const w of opened.splice(0)) await w.close();
});

/**
 * A watch after revision 10 on fake etcd. Metas read at a revision in `compacted` fail as compacted;
 * `snapshotAt` is the revision of each snapshot taken; verify rejects values whose key starts with "bad".
 */
async function harness(options: { maxQueued?: number; compacted?: number[]; snapshotAt?: number } = {}): Promise<Harness> {
  const streams: FakeStream[] = [];
  const snapshots: string[] = [];
  const etcd = {
    watchClient: { watch: () => Promise.resolve(streams[streams.push(new FakeStream()) - 1]) },
    kv: {
      range: ({ revision }: { revision: string }) =>
        options.compacted?.includes(Number(revision))
          ? Promise.reject(new Error('11 OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted'))
          : Promise.resolve({ kvs: [{ value: Buffer.from('{}'), mod_revision: revision }] }),
    },
  } as unknown as Etcd3;
  const watch = openWatch<unknown>({
    etcd,
    prefix: '/p',
    namespace: 'ns',
    options: { afterRevision: '10', ...(options.maxQueued ? { maxQueued: options.maxQueued } : {}) },
    verify: (raw: RawEntry): Promise<Entry<unknown> | ReadError> =>
      Promise.resolve(
        raw.key.startsWith('bad')
          ? new IntegrityError(`${raw.key}: changed outside Cairn`)
          : { namespace: 'ns', key: raw.key, value: JSON.parse(raw.data?.value ?? 'null'), revision: raw.data?.modRevision ?? '0', generation: 1, schema: 's@v1', dataHash: 'h' },
      ),
    snapshot: (): Promise<Snapshot<unknown>> => {
      const revision = String(options.snapshotAt ?? 100);
      snapshots.push(revision);
      return Promise.resolve({ revision, entries: [], rejected: [] });
    },
    onClose: () => undefined,
  });
  opened.push(watch);
  for (let i = 0; i < 100 && streams.length === 0; i++) await new Promise((r) => setImmediate(r));
  return { watch, stream: () => streams[streams.length - 1] as FakeStream, snapshots };
}

async function take(watch: Watch<unknown>, n: number): Promise<[string, string, string?][]> {
  const items: [string, string, string?][] = [];
  for (let i = 0; i < n; i++) {
    const { value } = (await watch.next()) as { value: Change };
    items.push([value.type, value.revision, value.type === 'resync' ? value.reason : value.type === 'delete' ? value.key : value.type === 'put' ? value.entry.key : value.key]);
  }
  return items;
}

describe('the reader’s watch iterator', () => {
  it('yields puts in revision order, skipping what is at or below the revision it started after', async () => {
    const h = await harness();
    h.stream().puts(['a', 9], ['a', 11], ['b', 12]);
    h.stream().puts(['a', 13]);
    expect(await take(h.watch, 3)).toEqual([
      ['put', '11', 'a'],
      ['put', '12', 'b'],
      ['put', '13', 'a'],
    ]);
  });

  it('yields a value that fails its checks as rejected, and goes on', async () => {
    const h = await harness();
    h.stream().puts(['bad', 11], ['a', 12]);
    expect(await take(h.watch, 2)).toEqual([
      ['rejected', '11', 'bad'],
      ['put', '12', 'a'],
    ]);
  });

  it('a consumer that falls maxQueued changes behind gets one overflow snapshot, then only what is newer', async () => {
    const h = await harness({ maxQueued: 2, snapshotAt: 20 });
    h.stream().puts(['a', 11], ['b', 12], ['c', 13], ['d', 14], ['e', 15]);
    h.stream().puts(['f', 21]);
    expect(await take(h.watch, 2)).toEqual([
      ['resync', '20', 'overflow'],
      ['put', '21', 'f'],
    ]);
    expect(h.snapshots).toEqual(['20']);
  });

  it('a put whose meta revision was compacted is covered by a fresh snapshot; changes below it are not yielded again', async () => {
    const h = await harness({ compacted: [12], snapshotAt: 13 });
    h.stream().puts(['a', 11], ['b', 12], ['c', 13], ['d', 14]);
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
