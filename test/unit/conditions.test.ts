import { describe, expect, it } from 'vitest';
import type { ConfigEntryStatus } from '../../src/api/config-entry.ts';
import { findCondition, nextBundleStatus, nextStatus, statusEquals, truncateMessage, type Outcome } from '../../src/domain/conditions.ts';
import { NOTHING_PRUNED, summarizePruned } from '../../src/domain/pruned-fields.ts';

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

describe('FieldsPruned', () => {
  const pruned = summarizePruned(['spec.data.prot']);
  const withPruned: Outcome = { ...committed, pruned };
  const PRUNED_MESSAGE = 'spec.data.prot: unknown field, not declared by the schema; pruned, not stored';

  /** Every condition as `type=status/reason@observedGeneration`. */
  function stamped(status: ConfigEntryStatus): string[] {
    return (status.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`);
  }

  it('is set beside Ready=True by a commit that pruned fields, naming them; Ready and its message are unchanged', () => {
    const status = nextStatus(undefined, withPruned, { generation: 3, now: T0 });
    expect(stamped(status)).toEqual(['Ready=True/Committed@3', 'FieldsPruned=True/UnknownFieldsPruned@3']);
    expect(findCondition(status, 'FieldsPruned')?.message).toBe(PRUNED_MESSAGE);
    expect(findCondition(status, 'Ready')?.message).toBe('committed to /cairn/data/shop/db at revision 48');
  });

  it.each([
    ['a commit with nothing pruned', { ...committed, pruned: NOTHING_PRUNED }],
    ['a commit that does not say (absent: nothing pruned)', committed],
  ] as const)('is removed by %s', (_name, outcome) => {
    const before = nextStatus(undefined, withPruned, { generation: 3, now: T0 });
    expect(stamped(nextStatus(before, outcome, { generation: 4, now: T1 }))).toEqual(['Ready=True/Committed@4']);
  });

  it.each([
    ['a terminal failure of a later generation', terminal, 4, ['Ready=False/InvalidData@4', 'Stalled=True/InvalidData@4', 'FieldsPruned=True/UnknownFieldsPruned@3']],
    ['a transient failure', transient, 3, ['Ready=False/EtcdUnavailable@3', 'Reconciling=True/EtcdUnavailable@3', 'FieldsPruned=True/UnknownFieldsPruned@3']],
    ['reported drift', drift, 3, ['Ready=False/DriftReported@3', 'Stalled=True/DriftReported@3', 'FieldsPruned=True/UnknownFieldsPruned@3']],
  ] as const)('is kept as it is by %s: it describes the value etcd holds, as status.revision does', (_name, outcome, generation, expected) => {
    const before = nextStatus(undefined, withPruned, { generation: 3, now: T0 });
    expect(stamped(nextStatus(before, outcome, { generation, now: T1 }))).toEqual(expected);
  });

  it('is stamped with each generation that commits it, its lastTransitionTime kept while it stays True', () => {
    const first = nextStatus(undefined, withPruned, { generation: 3, now: T0 });
    const second = nextStatus(first, { ...withPruned, revision: '52' }, { generation: 4, now: T1 });
    expect(findCondition(second, 'FieldsPruned')).toMatchObject({ observedGeneration: 4, lastTransitionTime: '2030-01-01T00:00:00Z' });
  });

  it('needs no patch when a resync commits the same generation with the same fields pruned', () => {
    const a = nextStatus(undefined, withPruned, { generation: 3, now: T0 });
    expect(statusEquals(a, nextStatus(a, { ...withPruned, wrote: false, pruned: summarizePruned(['spec.data.prot']) }, { generation: 3, now: T1 }))).toBe(true);
  });

  it('is set on a bundle the same way, naming the members\' paths', () => {
    const bundle = nextBundleStatus(undefined, { kind: 'committed', revision: '7', members: [], wrote: true, pruned: summarizePruned(['spec.members[1].data.prot']) }, { generation: 2, now: T0 });
    expect(findCondition(bundle, 'FieldsPruned')).toMatchObject({ status: 'True', reason: 'UnknownFieldsPruned', message: 'spec.members[1].data.prot: unknown field, not declared by the schema; pruned, not stored' });
  });
});
