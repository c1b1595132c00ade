import { describe, expect, it } from 'vitest';
import { nextStatus, type Outcome } from '../../src/domain/conditions.ts';
import { eventFor } from '../../src/domain/events.ts';

const now = new Date('2030-01-01T00:00:00Z');
const committed: Outcome = { kind: 'committed', key: '/cairn/data/shop/db', revision: '48', dataHash: 'sha256:ab', schema: 'database@v1', wrote: true };
const terminal: Outcome = { kind: 'terminal', reason: 'KeyConflict', message: 'owned by shop/other' };

function transition(before: Outcome | undefined, outcome: Outcome) {
  const prior = before === undefined ? undefined : nextStatus(undefined, before, { generation: 1, now });
  return eventFor(prior, nextStatus(prior, outcome, { generation: 1, now }), outcome);
}

describe('eventFor', () => {
  it('announces a first commit', () => {
    expect(transition(undefined, committed)).toEqual({ type: 'Normal', reason: 'Committed', message: 'committed to /cairn/data/shop/db at revision 48' });
  });

  it('announces a new revision', () => {
    expect(transition(committed, { ...committed, revision: '49' })).toMatchObject({ type: 'Normal', reason: 'Committed' });
  });

  it('stays quiet when a resync finds everything up to date', () => {
    expect(transition(committed, { ...committed, wrote: false })).toBeUndefined();
  });

  it('announces corrected drift', () => {
    expect(transition(committed, { ...committed, revision: '50', driftCorrected: true })).toEqual({
      type: 'Normal',
      reason: 'DriftCorrected',
      message: 'restored after an outside change: committed to /cairn/data/shop/db at revision 50',
    });
  });

  it('warns once per failure, not once per retry', () => {
    expect(transition(undefined, terminal)).toEqual({ type: 'Warning', reason: 'KeyConflict', message: 'owned by shop/other' });
    expect(transition(terminal, terminal)).toBeUndefined();
    expect(transition(terminal, { ...terminal, message: 'owned by shop/third' })).toMatchObject({ type: 'Warning' });
  });

  it('warns about a drift fight once, not on every deferred correction', () => {
    const fight: Outcome = { kind: 'transient', reason: 'DriftFight', message: '/cairn/data/shop/db keeps changing outside Cairn: 5 corrections within 60 s' };
    expect(transition(committed, fight)).toEqual({ type: 'Warning', reason: 'DriftFight', message: fight.message });
    expect(transition(fight, fight)).toBeUndefined();
  });

  it('warns about transient failures and reported drift', () => {
    expect(transition(committed, { kind: 'transient', reason: 'EtcdUnavailable', message: 'down' })).toMatchObject({ type: 'Warning', reason: 'EtcdUnavailable' });
    expect(transition(committed, { kind: 'driftReported', message: 'changed' })).toMatchObject({ type: 'Warning', reason: 'DriftReported' });
  });
});
