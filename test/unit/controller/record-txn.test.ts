/** What a reconcile tells the store view about its own transaction: announced puts, then what it wrote. */
import { describe, expect, it } from 'vitest';
import { announcePuts, recordTxn } from '../../../src/controller/record-txn.ts';
import type { StoreView } from '../../../src/controller/ports.ts';
import { sha256 } from '../../../src/domain/canonical.ts';
import type { GuardedTxn, KeyState } from '../../../src/domain/types.ts';

const D = '/cairn/data/shop/a';
const M = '/cairn/meta/shop/a';
const TXN: GuardedTxn = {
  compares: [],
  operations: [
    { kind: 'put', key: D, value: '{"a":1}' },
    { kind: 'put', key: M, value: '{"uid":"u"}' },
  ],
  readBackOnFailure: [],
};

/** A view that records the calls it gets, in order. */
function recordingView(): StoreView & { calls: string[]; recorded: Map<string, KeyState> } {
  const calls: string[] = [];
  const recorded = new Map<string, KeyState>();
  return {
    calls,
    recorded,
    observe: () => undefined,
    observeKeys: () => undefined,
    record: (key, state, revision) => {
      calls.push(`record ${key} @${revision}`);
      recorded.set(key, state);
    },
    expect: (key, hash) => calls.push(`expect ${key} ${hash}`),
    settle: (key) => calls.push(`settle ${key}`),
  };
}

describe('announcePuts and recordTxn', () => {
  it("announces each put with the plan's data hash or the meta value's own hash, and settles each once", () => {
    const view = recordingView();
    const announced = announcePuts(view, TXN, new Map([[D, 'sha256:plan']]));
    announced.settle();
    expect(view.calls).toEqual([`expect ${D} sha256:plan`, `expect ${M} ${sha256('{"uid":"u"}')}`, `settle ${D}`, `settle ${M}`]);
  });

  it('records the hashes the puts were announced with (not hashed again), the meta value kept and the data value not', () => {
    const view = recordingView();
    // A hash that is not the meta value's own: recorded as given, which shows the value was not hashed again.
    const announced = { hashes: new Map([[D, 'sha256:plan'], [M, 'sha256:announced']]) };
    recordTxn(view, TXN, '12', (key) => (key === M ? { exists: true, hash: 'x', modRevision: '7', createRevision: '3' } : undefined), new Map([[D, 'sha256:plan']]), announced);
    expect(view.recorded.get(D)).toEqual({ exists: true, hash: 'sha256:plan', modRevision: '12', createRevision: '12' });
    expect(view.recorded.get(M)).toEqual({ exists: true, value: '{"uid":"u"}', hash: 'sha256:announced', modRevision: '12', createRevision: '3' });
  });
});
