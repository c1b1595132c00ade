/** What /healthz reports: stuck leadership, and loops that stopped showing signs of life. */
import { describe, expect, it } from 'vitest';
import type { InformerSource, WatchHandle } from '../../../src/kube/informer.ts';
import { Heartbeat, beating, notLive } from '../../../src/observability/liveness.ts';

const LIMIT = 300_000;

class Clock {
  time = 0;
  readonly now = (): number => this.time;
}

describe('notLive', () => {
  it('is empty while leadership works and every loop beat within the limit', () => {
    const clock = new Clock();
    const beat = new Heartbeat(clock.now);
    clock.time = LIMIT;
    expect(notLive({ leadershipStall: () => undefined, silenceLimitMs: LIMIT, loops: [{ name: 'informer', heartbeat: beat }] })).toEqual([]);
  });

  it('names a loop silent past the limit, with how long it has been silent', () => {
    const clock = new Clock();
    const beat = new Heartbeat(clock.now);
    clock.time = 200_000;
    beat.beat();
    clock.time = 200_000 + LIMIT + 1_000;
    expect(notLive({ leadershipStall: () => undefined, silenceLimitMs: LIMIT, loops: [{ name: 'informer', heartbeat: beat }] })).toEqual(['informer: no sign of life for 301s']);
  });

  it('does not count silence against a loop that is steady (a watch open on a quiet prefix)', () => {
    const clock = new Clock();
    const beat = new Heartbeat(clock.now);
    clock.time = LIMIT * 10;
    let watching = true;
    const checks = { leadershipStall: () => undefined, silenceLimitMs: LIMIT, loops: [{ name: 'etcd watch', heartbeat: beat, steady: () => watching }] };
    expect(notLive(checks)).toEqual([]);
    watching = false;
    expect(notLive(checks)).toEqual(['etcd watch: no sign of life for 3000s']);
  });

  it('reports stuck leadership', () => {
    expect(notLive({ leadershipStall: () => 'held the lease for 61s without a fence', silenceLimitMs: LIMIT, loops: [] })).toEqual(['leadership: held the lease for 61s without a fence']);
  });
});

describe('beating', () => {
  it('beats on every list, watch start, watch event and watch end of the informer source', async () => {
    const clock = new Clock();
    const beat = new Heartbeat(clock.now);
    let deliver: ((type: string, object: unknown) => void) | undefined;
    let end: ((error: unknown) => void) | undefined;
    const source: InformerSource<object> = {
      list: async () => ({ items: [], resourceVersion: '1' }),
      watch: async (_rv, onEvent, onDone): Promise<WatchHandle> => {
        deliver = onEvent;
        end = onDone;
        return { abort: () => undefined };
      },
    };
    const seen: string[] = [];
    const watched = beating(source, beat);

    clock.time = 10;
    await watched.list();
    expect(beat.silentForMs).toBe(0);
    clock.time = 20;
    await watched.watch('1', (type) => seen.push(type), (error) => seen.push(`done ${String(error)}`));
    expect(beat.silentForMs).toBe(0);
    clock.time = 30;
    deliver?.('BOOKMARK', {});
    expect(beat.silentForMs).toBe(0);
    clock.time = 40;
    end?.(undefined);
    expect(beat.silentForMs).toBe(0);
    clock.time = 50;
    expect(beat.silentForMs).toBe(10);
    expect(seen).toEqual(['BOOKMARK', 'done undefined']);
  });
});
