/** client-go's event correlation (spam filter, aggregation, deduplication), with a fake clock. */
import { describe, expect, it } from 'vitest';
import { COMBINED_PREFIX, type Correlation, EventCorrelator, type InvolvedObject } from '../../../src/kube/event-correlator.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const entry: InvolvedObject = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', namespace: 'shop', name: 'db', uid: 'uid-1' };
const other: InvolvedObject = { ...entry, name: 'cache', uid: 'uid-2' };
const committed = { type: 'Normal', reason: 'Committed', message: 'committed to /cairn/data/shop/db at revision 4' } as const;

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = T0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function written(c: Correlation): { name: string; count: number; message: string; first: string; last: string } {
  if (c.kind !== 'write') throw new Error('dropped as spam');
  const e = c.event;
  return { name: e.name, count: e.count, message: e.message, first: e.firstTimestamp.toISOString(), last: e.lastTimestamp.toISOString() };
}

describe('EventCorrelator', () => {
  it('makes repeated identical occurrences one Event whose count and lastTimestamp grow', () => {
    const t = clock();
    const c = new EventCorrelator({ now: t.now });
    const first = written(c.correlate(entry, committed));
    t.advance(1_000);
    const second = written(c.correlate(entry, committed));
    t.advance(1_000);
    const third = written(c.correlate(entry, committed));

    expect([first.count, second.count, third.count]).toEqual([1, 2, 3]);
    expect(new Set([first.name, second.name, third.name]).size).toBe(1);
    expect(third.first).toBe('2030-01-01T00:00:00.000Z');
    expect(third.last).toBe('2030-01-01T00:00:02.000Z');
  });

  it('keeps a different message, reason, type or object in another Event', () => {
    const c = new EventCorrelator({ now: clock().now });
    const names = [
      c.correlate(entry, committed),
      c.correlate(entry, { ...committed, message: 'committed to /cairn/data/shop/db at revision 5' }),
      c.correlate(entry, { ...committed, reason: 'DriftCorrected' }),
      c.correlate(entry, { ...committed, type: 'Warning' }),
      c.correlate(other, committed),
    ].map((x) => written(x).name);

    expect(new Set(names).size).toBe(5);
  });

  it('tells objects without a uid apart by the rest of their reference', () => {
    const c = new EventCorrelator({ now: clock().now });
    const noUid = { ...entry, uid: '' };
    const names = [c.correlate(noUid, committed), c.correlate({ ...noUid, name: 'cache' }, committed), c.correlate(noUid, committed)].map((x) => written(x));

    expect(names[0]?.name).not.toBe(names[1]?.name);
    expect([names[0]?.name, names[2]?.count]).toEqual([names[2]?.name, 2]);
  });

  it('combines the tenth different message of one reason within ten minutes into one Event, and counts the rest there', () => {
    const t = clock();
    const c = new EventCorrelator({ now: t.now });
    const results = Array.from({ length: 12 }, (_, i) => {
      t.advance(1_000);
      return written(c.correlate(entry, { ...committed, message: `committed at revision ${i}` }));
    });

    expect(results.slice(0, 9).map((r) => r.count)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(results.slice(9).map((r) => r.message)).toEqual([9, 10, 11].map((i) => `${COMBINED_PREFIX}committed at revision ${i}`));
    expect(results.slice(9).map((r) => r.count)).toEqual([1, 2, 3]);
    expect(new Set(results.slice(9).map((r) => r.name)).size).toBe(1);
  });

  it('counts different messages afresh once ten minutes have passed', () => {
    const t = clock();
    const c = new EventCorrelator({ now: t.now });
    for (let i = 0; i < 9; i++) c.correlate(entry, { ...committed, message: `m${i}` });
    t.advance(600_001);

    expect(written(c.correlate(entry, { ...committed, message: 'm9' })).message).toBe('m9');
  });

  it('drops occurrences for one object past a burst of 25, then lets one through per five minutes', () => {
    const t = clock();
    const c = new EventCorrelator({ now: t.now });
    const kinds = Array.from({ length: 30 }, () => c.correlate(entry, committed).kind);

    expect(kinds.filter((k) => k === 'write')).toHaveLength(25);
    expect(kinds.slice(25)).toEqual(['spam', 'spam', 'spam', 'spam', 'spam']);
    expect(c.correlate(other, committed).kind).toBe('write'); // another object has its own bucket
    t.advance(299_000);
    expect(c.correlate(entry, committed).kind).toBe('spam');
    t.advance(1_000);
    expect(written(c.correlate(entry, committed)).count).toBe(26);
    expect(c.correlate(entry, committed).kind).toBe('spam');
  });

  it('remembers at most maxKeys Events: a forgotten one starts again as a new Event', () => {
    const c = new EventCorrelator({ now: clock().now, maxKeys: 2 });
    const first = written(c.correlate(entry, committed));
    c.correlate(entry, { ...committed, message: 'b' });
    c.correlate(entry, { ...committed, message: 'c' });
    const again = written(c.correlate(entry, committed));

    expect(again.count).toBe(1);
    expect(again.name).not.toBe(first.name);
  });
});
