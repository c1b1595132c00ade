/** Where a watch resumes after each kind of response. */
import type { IWatchResponse } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { eventsOf, nextRevisionAfter, resyncReasonOf, watchCreateRequest } from '../../../src/etcd/watch-events.ts';

function response(revision: string, events: [type: 'Put' | 'Delete', key: string, modRevision: string][], created = false): IWatchResponse {
  return {
    header: { cluster_id: '1', member_id: '1', revision, raft_term: '1' },
    watch_id: '0',
    created,
    canceled: false,
    compact_revision: '0',
    cancel_reason: '',
    events: events.map(([type, key, mod]) => ({ type, kv: { key: Buffer.from(key), value: Buffer.from('v'), mod_revision: mod, create_revision: '1', version: '1', lease: '0' } })),
  } as unknown as IWatchResponse;
}

describe('nextRevisionAfter', () => {
  it('resumes after the last event, not after the header revision of a catch-up batch', () => {
    expect(nextRevisionAfter(response('100', [['Put', 'a', '10'], ['Put', 'b', '11']]), '5')).toBe('12');
  });
  it('resumes after the header revision of a progress notification', () => {
    expect(nextRevisionAfter(response('100', []), '12')).toBe('101');
  });
  it('does not move on a created response', () => {
    expect(nextRevisionAfter(response('100', [], true), '12')).toBe('12');
  });
  it('never moves backwards', () => {
    expect(nextRevisionAfter(response('3', []), '12')).toBe('12');
  });
});

describe('eventsOf', () => {
  it('drops events older than the next revision to deliver (the watch starts one revision early)', () => {
    const events = eventsOf(response('9', [['Put', '/p/data/a', '7'], ['Put', '/p/data/b', '8']]), () => true, '8');
    expect(events.map((e) => e.key)).toEqual(['/p/data/b']);
  });

  it('keeps order and drops keys the filter rejects', () => {
    const events = eventsOf(response('9', [['Put', '/p/data/a', '7'], ['Put', '/p/fence', '8'], ['Delete', '/p/meta/a', '9']]), (k) => k !== '/p/fence');
    expect(events).toEqual([
      { type: 'put', key: '/p/data/a', value: 'v', modRevision: '7', createRevision: '1' },
      { type: 'delete', key: '/p/meta/a', modRevision: '9' },
    ]);
  });
});

describe('watchCreateRequest', () => {
  it('watches the whole prefix from one revision before the next to deliver (etcd sends no progress to a watch starting in the future), asks for progress notifications and fragmented large responses', () => {
    const request = watchCreateRequest('/p/', '42');
    expect(request.key?.toString()).toBe('/p/');
    expect(request.range_end?.toString()).toBe('/p0');
    expect(request).toMatchObject({ start_revision: '41', progress_notify: true, fragment: true });
    expect(watchCreateRequest('/p/', '1').start_revision).toBe('1');
  });
});

describe('resyncReasonOf', () => {
  it.each([
    ['a compact_revision', { compact_revision: '17', cancel_reason: '' }, 'compacted'],
    ['a compaction reason only', { compact_revision: '0', cancel_reason: 'mvcc: required revision has been compacted' }, 'compacted'],
    ['anything else', { compact_revision: '0', cancel_reason: 'etcdserver: permission denied' }, 'canceled'],
  ] as const)('%s -> %s', (_, response, reason) => {
    expect(resyncReasonOf(response)).toBe(reason);
  });
});
