/**
 * The design promises that Flux's and kpt's kstatus library reads a ConfigEntry's status honestly:
 * Current when committed, Failed on a terminal failure, InProgress while working. These are the real
 * library's verdicts (tools/go/kstatus) on objects whose status is what domain/conditions.ts writes
 * for each outcome, on an entry shaped as the apiserver serves it.
 */
import { describe, expect, it } from 'vitest';
import type { ConfigEntryStatus } from '../../../src/api/config-entry.ts';
import { API_VERSION, FINALIZER, KIND } from '../../../src/api/names.ts';
import { type Outcome, nextStatus } from '../../../src/domain/conditions.ts';
import { kstatusOf } from '../../support/kstatus.ts';
import { summarizePruned } from '../../../src/domain/pruned-fields.ts';

const T0 = new Date('2030-01-01T00:00:00Z');
const T1 = new Date('2030-01-01T00:01:00Z');

const committed: Outcome = {
  kind: 'committed',
  key: '/cairn/data/shop/checkout/db',
  revision: '48213',
  dataHash: 'sha256:0f3c',
  schema: 'database@v1',
  wrote: true,
};
const invalidData: Outcome = { kind: 'terminal', reason: 'InvalidData', message: 'data.port: expected number, got string "5432"' };
const unknownSchema: Outcome = { kind: 'terminal', reason: 'UnknownSchema', message: 'no schema "databse@v1" is embedded in this operator' };
const keyConflict: Outcome = { kind: 'terminal', reason: 'KeyConflict', message: 'key checkout/db is owned by ConfigEntry shop/orders-db' };
const etcdUnavailable: Outcome = { kind: 'transient', reason: 'EtcdUnavailable', message: 'etcd did not answer within 5s' };
const compareFailed: Outcome = { kind: 'transient', reason: 'CompareFailed', message: 'the key changed concurrently; retrying' };
const driftReported: Outcome = { kind: 'driftReported', message: 'etcd holds a value changed outside Cairn (driftPolicy Report)' };
const committedPruned: Outcome = { ...committed, pruned: summarizePruned(['spec.data.prot']) };

/** A ConfigEntry as the apiserver serves it, at `generation`, with `status`. */
function entry(generation: number, status: ConfigEntryStatus | undefined, metadata: Record<string, unknown> = {}): object {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      name: 'checkout-db',
      namespace: 'shop',
      uid: '4c1e9a52-2f0b-4d67-9a83-0d7f2b6c1e11',
      generation,
      resourceVersion: '1234',
      finalizers: [FINALIZER],
      ...metadata,
    },
    spec: {
      schema: 'database@v1',
      key: 'checkout/db',
      data: { host: 'db.shop.svc', port: 5432, pool: { min: 2, max: 20 } },
      deletionPolicy: 'Delete',
      driftPolicy: 'Correct',
    },
    ...(status === undefined ? {} : { status }),
  };
}

/** The status after applying `outcomes` in order, each for the generation it names. */
function statusAfter(...steps: [Outcome, number][]): ConfigEntryStatus | undefined {
  let status: ConfigEntryStatus | undefined;
  steps.forEach(([outcome, generation], i) => {
    status = nextStatus(status, outcome, { generation, now: i === 0 ? T0 : T1 });
  });
  return status;
}

describe('kstatus reads what the operator writes', () => {
  it.each([
    ['a committed entry is Current', entry(1, statusAfter([committed, 1])), 'Current'],
    ['a committed entry whose value lost unknown fields (FieldsPruned=True) is Current', entry(1, statusAfter([committedPruned, 1])), 'Current'],
    ['FieldsPruned of an older generation does not hold a new commit back', entry(2, statusAfter([committedPruned, 1], [committed, 2])), 'Current'],
    ['FieldsPruned does not hide a terminal failure of a later generation', entry(2, statusAfter([committedPruned, 1], [invalidData, 2])), 'Failed'],
    ['an entry committed after a transient failure is Current', entry(1, statusAfter([etcdUnavailable, 1], [committed, 1])), 'Current'],
    ['an entry committed again after a spec fix is Current', entry(2, statusAfter([invalidData, 1], [committed, 2])), 'Current'],
    ['invalid data is Failed', entry(1, statusAfter([invalidData, 1])), 'Failed'],
    ['an unknown schema is Failed', entry(1, statusAfter([unknownSchema, 1])), 'Failed'],
    ['a key owned by another entry is Failed', entry(1, statusAfter([keyConflict, 1])), 'Failed'],
    ['a new generation that fails validation after a commit is Failed', entry(2, statusAfter([committed, 1], [invalidData, 2])), 'Failed'],
    ['reported drift is Failed', entry(1, statusAfter([committed, 1], [driftReported, 1])), 'Failed'],
    ['etcd unavailable before any commit is InProgress', entry(1, statusAfter([etcdUnavailable, 1])), 'InProgress'],
    ['a failed compare on a new generation is InProgress', entry(2, statusAfter([committed, 1], [compareFailed, 2])), 'InProgress'],
    ['a transient failure after a terminal one is InProgress', entry(2, statusAfter([invalidData, 1], [etcdUnavailable, 2])), 'InProgress'],
    ['a new generation not yet reconciled (observedGeneration behind) is InProgress', entry(2, statusAfter([committed, 1])), 'InProgress'],
  ] as const)('%s', async (_name, object, expected) => {
    expect((await kstatusOf(object)).status).toBe(expected);
  });

  it('carries the Stalled message, so a Failed entry says why', async () => {
    const result = await kstatusOf(entry(1, statusAfter([invalidData, 1])));
    expect(result).toEqual({ status: 'Failed', message: 'data.port: expected number, got string "5432"' });
  });

  it('carries the Reconciling message while a transient failure is retried', async () => {
    const result = await kstatusOf(entry(1, statusAfter([etcdUnavailable, 1])));
    expect(result).toEqual({ status: 'InProgress', message: 'etcd did not answer within 5s' });
  });

  it('reads Ready=True for an older generation as InProgress', async () => {
    const stale: ConfigEntryStatus = {
      observedGeneration: 2,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Committed', message: 'committed', observedGeneration: 2, lastTransitionTime: '2030-01-01T00:00:00Z' },
      ],
    };
    const result = await kstatusOf(entry(3, stale));
    expect(result.status).toBe('InProgress');
    expect(result.message).toContain('generation is 3, but latest observed generation is 2');
  });

  it('reads an entry being deleted as Terminating, whatever its conditions', async () => {
    const deleting = entry(1, statusAfter([committed, 1]), { deletionTimestamp: '2030-01-01T00:02:00Z' });
    expect((await kstatusOf(deleting)).status).toBe('Terminating');
  });

  // A library limitation the operator has to live with: with no status at all there is nothing for
  // kstatus to read, and it reports Current. Until the first status write of a new entry lands,
  // `kstatus`-based waits (Flux, kpt) can pass early; `kubectl wait --for=condition=Ready` cannot.
  it('reads a new entry with no status yet as Current (kstatus cannot know better)', async () => {
    expect((await kstatusOf(entry(1, undefined))).status).toBe('Current');
  });
});
