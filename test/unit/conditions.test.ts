import { describe, expect, it } from 'vitest';
import type { ConfigEntryStatus } from '../../src/api/config-entry.ts';
import { findCondition, nextStatus, statusEquals, truncateMessage, type Outcome } from '../../src/domain/conditions.ts';

const T0 = new Date('2030-01-01T00:00:00.123Z');
const T1 = new Date('2030-01-01T00:05:00.456Z');
const committed: Outcome = { kind: 'committed', key: '/cairn/data/shop/db', revision: '48', dataHash: 'sha256:ab', schema: 'database@v1', wrote: true };
const terminal: Outcome = { kind: 'terminal', reason: 'InvalidData', message: 'data.port: required' };
const transient: Outcome = { kind: 'transient', reason: 'EtcdUnavailable', message: 'etcd is unreachable' };
const drift: Outcome = { kind: 'driftReported', message: 'changed outside Cairn' };

function types(status: ConfigEntryStatus): string[] {
  return (status.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
}

describe('nextStatus follows the design table', () => {
  it.each([
    [committed, ['Ready=True/Committed'], 3],
    [terminal, ['Ready=False/InvalidData', 'Stalled=True/InvalidData'], 3],
    [transient, ['Ready=False/EtcdUnavailable', 'Reconciling=True/EtcdUnavailable'], 1],
    [drift, ['Ready=False/DriftReported', 'Stalled=True/DriftReported'], 3],
  ] as const)('%j', (outcome, conditions, observedGeneration) => {
    const status = nextStatus({ observedGeneration: 1 }, outcome, { generation: 3, now: T0 });
    expect(types(status)).toEqual(conditions);
    expect(status.observedGeneration).toBe(observedGeneration);
    for (const c of status.conditions ?? []) expect(c.observedGeneration).toBe(3);
  });

  it('records what was committed', () => {
    const status = nextStatus(undefined, committed, { generation: 3, now: T0 });
    expect(status).toEqual({
      observedGeneration: 3,
      key: '/cairn/data/shop/db',
      revision: '48',
      dataHash: 'sha256:ab',
      schema: 'database@v1',
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Committed', message: 'committed to /cairn/data/shop/db at revision 48', observedGeneration: 3, lastTransitionTime: '2030-01-01T00:00:00Z' },
      ],
    });
  });

  it('keeps the last commit when a later generation fails', () => {
    const before = nextStatus(undefined, committed, { generation: 3, now: T0 });
    const after = nextStatus(before, terminal, { generation: 4, now: T1 });
    expect(after).toMatchObject({ key: '/cairn/data/shop/db', revision: '48', observedGeneration: 4 });
  });
});

describe('lastTransitionTime', () => {
  it('stays when the status stays, even if reason and message change', () => {
    const a = nextStatus(undefined, transient, { generation: 1, now: T0 });
    const b = nextStatus(a, { ...transient, reason: 'CompareFailed', message: 'moved' }, { generation: 1, now: T1 });
    expect(findCondition(b, 'Ready')?.lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    expect(findCondition(b, 'Ready')?.reason).toBe('CompareFailed');
  });

  it('moves when the status changes', () => {
    const a = nextStatus(undefined, transient, { generation: 1, now: T0 });
    const b = nextStatus(a, committed, { generation: 1, now: T1 });
    expect(findCondition(b, 'Ready')?.lastTransitionTime).toBe('2030-01-01T00:05:00Z');
  });

  it('is written at second precision, as the apiserver stores it', () => {
    const a = nextStatus(undefined, committed, { generation: 1, now: T0 });
    expect(findCondition(a, 'Ready')?.lastTransitionTime).toBe('2030-01-01T00:00:00Z');
  });
});

describe('Reconciling and Stalled', () => {
  it.each([
    [transient, terminal],
    [terminal, transient],
    [transient, drift],
    [drift, transient],
  ])('are never both present (%j then %j)', (first, second) => {
    const a = nextStatus(undefined, first, { generation: 1, now: T0 });
    const b = nextStatus(a, second, { generation: 1, now: T1 });
    const names = (b.conditions ?? []).map((c) => c.type);
    expect(names.includes('Reconciling') && names.includes('Stalled')).toBe(false);
  });

  it('are both removed by a commit; other condition types survive', () => {
    const foreign = { type: 'Synced', status: 'True' as const, reason: 'X', message: '', lastTransitionTime: 'x' };
    const a = nextStatus({ conditions: [foreign] }, terminal, { generation: 1, now: T0 });
    const b = nextStatus(a, committed, { generation: 1, now: T1 });
    expect((b.conditions ?? []).map((c) => c.type)).toEqual(['Ready', 'Synced']);
  });
});

describe('messages and equality', () => {
  it('truncates long messages to 1024 characters', () => {
    const status = nextStatus(undefined, { ...terminal, message: 'x'.repeat(5000) }, { generation: 1, now: T0 });
    const message = findCondition(status, 'Ready')?.message ?? '';
    expect(message).toHaveLength(1024);
    expect(message.endsWith('...')).toBe(true);
  });

  it('never cuts a code point in half', () => {
    const cut = truncateMessage('😀'.repeat(10), 10);
    expect(cut).toBe('😀😀😀...');
  });

  it('leaves short messages alone', () => {
    expect(truncateMessage('short')).toBe('short');
  });

  it('sees no change when the same outcome repeats, so no patch is sent', () => {
    const a = nextStatus(undefined, committed, { generation: 1, now: T0 });
    const b = nextStatus(a, committed, { generation: 1, now: T1 });
    expect(statusEquals(a, b)).toBe(true);
    expect(statusEquals(a, nextStatus(a, { ...committed, revision: '49' }, { generation: 1, now: T1 }))).toBe(false);
    expect(statusEquals(undefined, {})).toBe(true);
  });

  it('does not modify the status it was given', () => {
    const a = nextStatus(undefined, committed, { generation: 1, now: T0 });
    const copy = structuredClone(a);
    nextStatus(a, terminal, { generation: 2, now: T1 });
    expect(a).toEqual(copy);
  });
});
