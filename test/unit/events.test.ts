import { describe, expect, it } from 'vitest';
import type { ConfigEntryStatus } from '../../src/api/config-entry.ts';
import { nextBundleStatus, nextStatus, type Outcome } from '../../src/domain/conditions.ts';
import { type EntryEvent, eventFor, eventsFor, prunedFieldsEventFor } from '../../src/domain/events.ts';
import type { BundleOutcome } from '../../src/domain/outcome.ts';
import { summarizePruned } from '../../src/domain/pruned-fields.ts';

const now = new Date('2030-01-01T00:00:00Z');
const committed: Outcome = { kind: 'committed', key: '/cairn/data/shop/db', revision: '48', dataHash: 'sha256:ab', schema: 'database@v1', wrote: true };
const terminal: Outcome = { kind: 'terminal', reason: 'KeyConflict', message: 'owned by shop/other' };

function transition(before: Outcome | undefined, outcome: Outcome) {
  return transitionAfter(before === undefined ? [] : [before], outcome);
}

/** The Event of `outcome` reconciled over the status that `history` left, oldest first. */
function transitionAfter(history: readonly Outcome[], outcome: Outcome) {
  const prior = history.reduce<ReturnType<typeof nextStatus> | undefined>((status, o) => nextStatus(status, o, { generation: 1, now }), undefined);
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

  it('stays quiet when a re-confirm ends a failure at the revision status already records', () => {
    const unavailable: Outcome = { kind: 'transient', reason: 'EtcdUnavailable', message: 'down' };
    expect(transitionAfter([committed, unavailable], { ...committed, wrote: false })).toBeUndefined();
    expect(transitionAfter([committed, { kind: 'terminal', reason: 'InvalidData', message: 'data.port: expected number' }], { ...committed, wrote: false })).toBeUndefined();
  });

  it('announces a value found committed that status never reported (a crash before the status patch)', () => {
    expect(transition(committed, { ...committed, revision: '52', wrote: false })).toEqual({ type: 'Normal', reason: 'Committed', message: 'committed to /cairn/data/shop/db at revision 52' });
    expect(transition({ kind: 'transient', reason: 'EtcdUnavailable', message: 'down' }, { ...committed, wrote: false })).toMatchObject({ type: 'Normal', reason: 'Committed' });
  });

  it('announces a value committed after a failure', () => {
    expect(transitionAfter([committed, { kind: 'terminal', reason: 'InvalidData', message: 'bad' }], { ...committed, revision: '53' })).toMatchObject({ type: 'Normal', reason: 'Committed' });
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

describe('eventFor a bundle', () => {
  const bundleCommitted: BundleOutcome = { kind: 'committed', revision: '70', members: [{ key: '/cairn/data/shop/a', dataHash: 'sha256:aa', schema: 'database@v1' }], wrote: true };
  const transient: BundleOutcome = { kind: 'transient', reason: 'EtcdUnavailable', message: 'down' };

  function bundleTransition(history: readonly BundleOutcome[], outcome: BundleOutcome) {
    const prior = history.reduce<ReturnType<typeof nextBundleStatus> | undefined>((status, o) => nextBundleStatus(status, o, { generation: 1, now }), undefined);
    return eventFor(prior, nextBundleStatus(prior, outcome, { generation: 1, now }), outcome);
  }

  it('announces a commit at a new revision and nothing for a re-confirm, after a failure too', () => {
    expect(bundleTransition([], bundleCommitted)).toEqual({ type: 'Normal', reason: 'Committed', message: 'committed 1 members at revision 70' });
    expect(bundleTransition([bundleCommitted], { ...bundleCommitted, wrote: false })).toBeUndefined();
    expect(bundleTransition([bundleCommitted, transient], { ...bundleCommitted, wrote: false })).toBeUndefined();
    expect(bundleTransition([bundleCommitted, transient], { ...bundleCommitted, revision: '71' })).toMatchObject({ type: 'Normal', reason: 'Committed' });
  });
});

describe('prunedFieldsEventFor and eventsFor', () => {
  const pruned = summarizePruned(['spec.data.prot']);
  const withPruned: Outcome = { ...committed, pruned };
  const WARNING = { type: 'Warning', reason: 'UnknownFieldsPruned', message: 'spec.data.prot: unknown field, not declared by the schema; pruned, not stored' };

  /** The statuses after each [outcome, generation] in turn, and the events of each step. */
  function steps(...list: [Outcome, number][]): EntryEvent[][] {
    let status: ConfigEntryStatus | undefined;
    return list.map(([outcome, generation]) => {
      const next = nextStatus(status, outcome, { generation, now });
      const events = eventsFor(status, next, outcome);
      status = next;
      return events;
    });
  }

  it('warns once, after the Committed event, for the generation whose commit pruned fields', () => {
    expect(steps([withPruned, 1])).toEqual([[{ type: 'Normal', reason: 'Committed', message: 'committed to /cairn/data/shop/db at revision 48' }, WARNING]]);
  });

  it.each([
    ['a resync that finds the value in place', [[withPruned, 1], [{ ...withPruned, wrote: false }, 1]] as [Outcome, number][], [['Committed', 'UnknownFieldsPruned'], []]],
    [
      'a transient failure and the commit after it, in one generation',
      [[withPruned, 1], [{ kind: 'transient', reason: 'EtcdUnavailable', message: 'down' }, 1], [{ ...withPruned, wrote: false }, 1]] as [Outcome, number][],
      [['Committed', 'UnknownFieldsPruned'], ['EtcdUnavailable'], []],
    ],
    [
      'drift corrected in one generation',
      [[withPruned, 1], [{ ...withPruned, revision: '50', driftCorrected: true }, 1]] as [Outcome, number][],
      [['Committed', 'UnknownFieldsPruned'], ['DriftCorrected']],
    ],
  ] as const)('does not warn again for %s', (_name, list, reasons) => {
    expect(steps(...list).map((events) => events.map((e) => e.reason))).toEqual(reasons);
  });

  it.each([
    ['a new generation that still has the field', [[withPruned, 1], [{ ...withPruned, revision: '49' }, 2]] as [Outcome, number][]],
    ['a generation refused, then one committed with the same field', [[withPruned, 1], [terminal, 2], [{ ...withPruned, revision: '49' }, 3]] as [Outcome, number][]],
    ['another field pruned within one generation (the schema changed under it)', [[withPruned, 1], [{ ...withPruned, wrote: false, pruned: summarizePruned(['spec.data.usr']) }, 1]] as [Outcome, number][]],
  ] as const)('warns again for %s', (_name, list) => {
    const last = steps(...list).at(-1) ?? [];
    expect(last.filter((e) => e.reason === 'UnknownFieldsPruned')).toHaveLength(1);
  });

  it('never warns for a commit that pruned nothing, nor when a later commit removes the condition', () => {
    expect(steps([committed, 1], [{ ...withPruned, revision: '49' }, 2], [{ ...committed, revision: '50' }, 3]).map((events) => events.map((e) => e.reason))).toEqual([
      ['Committed'],
      ['Committed', 'UnknownFieldsPruned'],
      ['Committed'],
    ]);
  });

  it('gives the same event for a bundle', () => {
    const outcome: BundleOutcome = { kind: 'committed', revision: '7', members: [], wrote: true, pruned: summarizePruned(['spec.members[0].data.prot']) };
    const after = nextBundleStatus(undefined, outcome, { generation: 1, now });
    expect(prunedFieldsEventFor(undefined, after)).toEqual({ ...WARNING, message: 'spec.members[0].data.prot: unknown field, not declared by the schema; pruned, not stored' });
  });
});
