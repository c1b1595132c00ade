/**
 * Reconciler scenarios against recording fakes (test/controller/fakes.ts): each scenario asserts the
 * ordered calls the reconciler made, and the status, events and etcd state they left behind.
 */
import { describe, expect, it } from 'vitest';
import type { ConfigEntryStatus } from '../../src/api/config-entry.ts';
import { FINALIZER } from '../../src/api/names.ts';
import { findCondition } from '../../src/domain/conditions.ts';
import { parseStoredMeta } from '../../src/domain/stored-meta.ts';
import { TransientError } from '../../src/domain/errors.ts';
import { canonicalJson } from '../../src/domain/canonical.ts';
import { DATA_KEY, META_KEY, NOW, UID, desired, entry, metaValue, storedMeta } from '../unit/fixtures.ts';
import { Reconciler } from '../../src/controller/reconciler.ts';
import type { CompiledSchema } from '../../src/schemas/engine/engine.ts';
import { CallLog, FakeFencing, Scenario, liveEntry, newMirror } from './fakes.ts';

const FENCE_KEY = '/cairn/fence';
const { canonical, dataHash } = desired();
const OTHER_UID = 'uid-other';

/** Ready, Reconciling and Stalled as `type status reason` lines, for compact assertions. */
function conditions(status: ConfigEntryStatus | undefined): string[] {
  return (status?.conditions ?? []).map((c) => `${c.type} ${c.status} ${c.reason}`);
}

function metaOwnedBy(uid: string, name: string): string {
  return metaValue({ uid, name, dataHash: 'sha256:0000' });
}

describe('a new entry', () => {
  it('is committed in one transaction and reported Ready at the transaction revision, which is the data key mod_revision', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    const [commit] = s.calls.of('etcd.commit');
    expect(commit?.txn.compares).toEqual([
      { kind: 'modRevision', key: FENCE_KEY, equals: s.fence.revision },
      { kind: 'absent', key: META_KEY },
      { kind: 'absent', key: DATA_KEY },
    ]);
    const revision = commit?.revision;
    expect(s.etcd.get(DATA_KEY)).toEqual({ exists: true, value: canonical, hash: dataHash, createRevision: revision, modRevision: revision });
    expect(parseStoredMeta(s.etcd.value(META_KEY) ?? '')).toEqual(storedMeta({ dataHash, committedAt: '2030-01-02T03:04:05Z', fence: s.fence.revision }));
    const status = s.status(key);
    expect(status).toMatchObject({ observedGeneration: 3, key: DATA_KEY, revision, dataHash, schema: 'database@v1' });
    expect(conditions(status)).toEqual(['Ready True Committed']);
    expect(findCondition(status, 'Ready')?.message).toBe(`committed to ${DATA_KEY} at revision ${revision}`);
    expect(s.calls.of('event')[0]?.message).toBe(`committed to ${DATA_KEY} at revision ${revision}`);
  });

  it('is not written again when reconciled again: no transaction, no status patch, no event', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const before = s.etcd.revision;

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([]);
    expect(s.etcd.revision).toBe(before);
    expect(await s.metrics.etcdTxns.get()).toMatchObject({ values: expect.arrayContaining([expect.objectContaining({ labels: { result: 'unchanged' }, value: 1 })]) });
  });

  it('gets the finalizer before the transaction when admission did not add it', async () => {
    const s = new Scenario();
    const key = s.create(entry());
    const resourceVersion = s.api.get(key)?.metadata.resourceVersion;

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([`kube.setFinalizers [${FINALIZER}]`, 'etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(s.calls.of('kube.setFinalizers')[0]?.resourceVersion).toBe(resourceVersion);
    expect(s.api.get(key)?.metadata.finalizers).toEqual([FINALIZER]);
  });

  it('writes nothing to etcd when adding the finalizer gets 409 Conflict', async () => {
    const s = new Scenario();
    const key = s.create(entry());
    s.api.conflictOnNextSetFinalizers();

    const result = await s.reconcile(key);

    expect(result.kind).not.toBe('done');
    expect(s.calls.summary()).toEqual([`kube.setFinalizers [${FINALIZER}]: conflict`]);
    expect(s.etcd.applied).toEqual([]);
  });

  it('asks for a rate-limited retry, not an immediate one, when adding the finalizer gets 409 Conflict', async () => {
    const s = new Scenario();
    const key = s.create(entry());
    s.api.conflictOnNextSetFinalizers();

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });
  });

  it('is committed without any read when the store view cannot tell yet and status shows no earlier commit', async () => {
    const s = new Scenario({ synced: false });
    const key = s.create(liveEntry());

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);
  });
});

describe('an invalid entry', () => {
  it('with data its schema rejects: no transaction, Stalled InvalidData with the field paths, a Warning event', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry({ spec: { data: { host: 'db', port: '5432' } } }));
    const revision = s.etcd.revision;

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Warning InvalidData']);
    expect(s.etcd.revision).toBe(revision);
    const status = s.status(key);
    expect(conditions(status)).toEqual(['Ready False InvalidData', 'Stalled True InvalidData']);
    expect(status?.observedGeneration).toBe(3);
    const message = findCondition(status, 'Stalled')?.message;
    expect(message).toContain('data.port: expected number, got string "5432"');
    expect(message).toContain('data.database: required');
    expect(s.calls.of('event')[0]?.message).toBe(message);
  });

  it('with an unknown schema: no transaction, Stalled UnknownSchema naming the known schemas', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry({ spec: { schema: 'nope@v1' } }));

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Warning UnknownSchema']);
    expect(s.etcd.applied).toEqual([]);
    expect(conditions(s.status(key))).toEqual(['Ready False UnknownSchema', 'Stalled True UnknownSchema']);
    expect(findCondition(s.status(key), 'Ready')?.message).toMatch(/^spec\.schema: no schema "nope@v1" is embedded in this operator or declared by a ConfigSchema; known schemas: .*database@v1/);
  });

  it('with a key that escapes the namespace: no transaction, Stalled InvalidKey', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry({ spec: { key: '../other/db' } }));

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Warning InvalidKey']);
    expect(s.etcd.applied).toEqual([]);
    expect(findCondition(s.status(key), 'Stalled')?.message).toBe(`spec.key: must not contain '.' or '..' segments: "../other/db"`);
  });

  it('reports the same failure only once: a second reconcile patches nothing and records no event', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry({ spec: { schema: 'nope@v1' } }));
    await s.reconcile(key);
    s.calls.clear();

    await s.reconcile(key);

    expect(s.calls.summary()).toEqual([]);
  });
});

describe('ownership', () => {
  it('leaves a key owned by another entry untouched and reports KeyConflict naming the owner', async () => {
    const s = new Scenario();
    s.etcd.put(DATA_KEY, '{"theirs":true}');
    s.etcd.put(META_KEY, metaOwnedBy(OTHER_UID, 'other-db'));
    s.syncMirror();
    const before = s.etcd.snapshot(['/cairn/']);
    const key = s.create(liveEntry());

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Warning KeyConflict']);
    expect(s.etcd.snapshot(['/cairn/'])).toEqual(before);
    expect(conditions(s.status(key))).toEqual(['Ready False KeyConflict', 'Stalled True KeyConflict']);
    expect(findCondition(s.status(key), 'Stalled')?.message).toBe(`${DATA_KEY} is owned by ConfigEntry shop/other-db (uid ${OTHER_UID}); its value is left untouched`);
  });

  it('adopts an unowned identical value: the value is unchanged, meta is written, Ready', async () => {
    const s = new Scenario();
    const adoptedAt = s.etcd.put(DATA_KEY, canonical);
    s.syncMirror();
    const key = s.create(liveEntry());

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(s.calls.of('etcd.commit')[0]?.txn.compares).toEqual([
      { kind: 'modRevision', key: FENCE_KEY, equals: s.fence.revision },
      { kind: 'absent', key: META_KEY },
      { kind: 'modRevision', key: DATA_KEY, equals: adoptedAt },
    ]);
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);
    expect(parseStoredMeta(s.etcd.value(META_KEY) ?? '')?.uid).toBe(UID);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
    const revision = s.calls.of('etcd.commit')[0]?.revision;
    expect(s.etcd.get(DATA_KEY)).toMatchObject({ modRevision: revision });
    expect(s.status(key)?.revision).toBe(revision);
  });

  it('refuses an unowned different value: one read (the view keeps only its hash), no transaction, ValueConflict, the value stays as it was', async () => {
    const s = new Scenario();
    const theirs = canonicalJson({ database: 'checkout', host: 'elsewhere', user: 'checkout' });
    s.etcd.put(DATA_KEY, theirs);
    s.syncMirror();
    const key = s.create(liveEntry());

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.read', 'kube.patchStatus', 'event Warning ValueConflict']);
    expect(s.etcd.value(DATA_KEY)).toBe(theirs);
    expect(s.etcd.get(META_KEY)).toEqual({ exists: false });
    expect(conditions(s.status(key))).toEqual(['Ready False ValueConflict', 'Stalled True ValueConflict']);
    expect(findCondition(s.status(key), 'Stalled')?.message).toContain(`${DATA_KEY} already holds a value that no ConfigEntry or ConfigBundle owns and that differs from spec.data`);
  });

  it('reports KeyConflict when another entry took the key behind a stale view, without writing', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.putOutside(DATA_KEY, '{"theirs":true}', { watched: false });
    s.putOutside(META_KEY, metaOwnedBy(OTHER_UID, 'other-db'), { watched: false });

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: compare failed', 'kube.patchStatus', 'event Warning KeyConflict']);
    expect(s.etcd.value(DATA_KEY)).toBe('{"theirs":true}');
    expect(findCondition(s.status(key), 'Stalled')?.message).toContain(`owned by ConfigEntry shop/other-db (uid ${OTHER_UID})`);
  });
});

describe('an update', () => {
  it('commits the new generation with compares on the meta and data mod_revisions it last saw', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const first = s.etcd.get(META_KEY) as { modRevision: string };
    s.api.updateSpec(key, { data: { host: 'db.shop.svc', database: 'checkout', user: 'checkout', port: 6543 } });

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    const commit = s.calls.of('etcd.commit')[0];
    expect(commit?.txn.compares).toEqual([
      { kind: 'modRevision', key: FENCE_KEY, equals: s.fence.revision },
      { kind: 'modRevision', key: META_KEY, equals: first.modRevision },
      { kind: 'modRevision', key: DATA_KEY, equals: first.modRevision },
    ]);
    expect(JSON.parse(s.etcd.value(DATA_KEY) ?? '{}')).toMatchObject({ port: 6543 });
    expect(parseStoredMeta(s.etcd.value(META_KEY) ?? '')?.generation).toBe(4);
    expect(s.status(key)).toMatchObject({ observedGeneration: 4, revision: commit?.revision });
  });

  it('replans from the read-back when the view was stale: the first transaction fails, the second applies, exactly one write', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const outside = s.putOutside(DATA_KEY, '{"edited":"by hand"}', { watched: false });
    s.api.updateSpec(key, { data: { host: 'db.shop.svc', database: 'checkout', user: 'checkout', port: 6543 } });
    const writesBefore = s.etcd.applied.length;

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: compare failed', 'etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(s.etcd.applied.length - writesBefore).toBe(1);
    const [, second] = s.calls.of('etcd.commit');
    expect(second?.txn.compares).toContainEqual({ kind: 'modRevision', key: DATA_KEY, equals: outside });
    expect(JSON.parse(s.etcd.value(DATA_KEY) ?? '{}')).toMatchObject({ port: 6543 });
    expect(s.status(key)).toMatchObject({ observedGeneration: 4, revision: second?.revision });
  });

  it('gives up after five failed compares in a row with a transient CompareFailed and asks for a retry', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    // Someone keeps rewriting this entry's own meta record (an old generation) just before each commit.
    s.etcd.beforeCommit = () => void s.etcd.put(META_KEY, metaValue({ generation: 2, dataHash: 'sha256:old' }));

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });

    expect(s.calls.summary()).toEqual([...Array<string>(5).fill('etcd.commit: compare failed'), 'kube.patchStatus', 'event Warning CompareFailed']);
    expect(s.etcd.applied).toEqual([]);
    expect(conditions(s.status(key))).toEqual(['Ready False CompareFailed', 'Reconciling True CompareFailed']);
  });
});

describe('a commit whose outcome is unknown', () => {
  it('when etcd applied it: moves the fence, reads, writes nothing more, and reports Ready at the applied revision', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.failNextCommit('outcomeUnknownAfterApply');

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: outcome unknown, applied', 'fence.move: moved', 'etcd.read', 'kube.patchStatus', 'event Normal Committed']);
    expect(s.etcd.applied).toHaveLength(1);
    const applied = s.etcd.get(DATA_KEY) as { modRevision: string };
    expect(s.status(key)).toMatchObject({ revision: applied.modRevision, dataHash });
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
  });

  it('when etcd never saw it: moves the fence, reads, then applies it exactly once under the moved fence', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.failNextCommit('outcomeUnknownBeforeApply');

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: outcome unknown, not applied', 'fence.move: moved', 'etcd.read', 'etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(s.etcd.applied).toHaveLength(1);
    const [move] = s.calls.of('fence.move');
    expect(s.calls.of('etcd.commit')[1]?.txn.compares).toContainEqual({ kind: 'modRevision', key: FENCE_KEY, equals: move?.revision });
    expect(s.status(key)?.revision).toBe(s.calls.of('etcd.commit')[1]?.revision);
  });

  it('leaves nothing the timed-out transaction could still apply: replayed after the entry was deleted, it is refused (no ABA)', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.failNextCommit('outcomeUnknownBeforeApply'); // a paused member holds it
    await s.reconcile(key);
    const held = s.calls.of('etcd.commit')[0]?.txn;
    s.api.markDeleted(key);
    await s.reconcile(key);
    expect(s.etcd.get(META_KEY)).toEqual({ exists: false });

    const late = await s.etcd.commit(held ?? { compares: [], operations: [], readBackOnFailure: [] }); // the member resumes
    expect(late.succeeded).toBe(false);
    expect(s.etcd.get(META_KEY)).toEqual({ exists: false });
    expect(s.etcd.get(DATA_KEY)).toEqual({ exists: false });
  });

  it('plans again under the moved fence, without fencing lost, when another reconcile\'s move refused its transaction', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.beforeCommit = () => {
      s.etcd.beforeCommit = undefined;
      void s.fencing.supersede(s.fence); // another reconcile's commit timed out meanwhile
    };

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['fence.move: moved', 'etcd.commit: compare failed', 'etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(s.leading).toBe(true);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
  });

  it('writes nothing more, status included, when the fence cannot be moved, and tries the entry again later (rate limited: nobody else took over)', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.failNextCommit('outcomeUnknownBeforeApply');
    s.fencing.failNextMove = true;

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });

    expect(s.calls.summary()).toEqual(['etcd.commit: outcome unknown, not applied', 'fence.move: failed']);
    expect(s.status(key)?.observedGeneration).toBeUndefined();
  });
});

describe('fencing', () => {
  it('writes nothing, status included, when another holder moved the fence, and tells the manager', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.acquireFence(FENCE_KEY, 'cairn-1');

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: compare failed', 'onFencingLost']);
    expect(s.calls.of('etcd.commit')).toHaveLength(1);
    expect(s.etcd.applied).toEqual([]);
    expect(s.etcd.get(DATA_KEY)).toEqual({ exists: false });
    expect(s.status(key)?.observedGeneration).toBeUndefined();
  });

  it('a deposed leader does not overwrite the Ready status the new leader reported', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    const newFence = s.etcd.acquireFence(FENCE_KEY, 'cairn-1');
    const newLeader = new Reconciler({ ...s.deps, view: newMirror(), fencing: new FakeFencing(new CallLog(), s.etcd, newFence) });
    await newLeader.reconcile(key);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);

    await s.reconcile(key); // the old leader wakes up, still believing it leads

    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
  });

  it('does nothing at all while this replica holds no fence', async () => {
    const s = new Scenario();
    const key = s.create(entry());
    s.leading = false;

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([]);
    expect(s.api.get(key)?.status).toBeUndefined();
  });
});

describe('status from an older view', () => {
  it('is refused by the apiserver instead of overwriting a newer status, and the entry is retried', async () => {
    const { s, key } = await (async () => {
      const s = new Scenario();
      const key = await s.committed();
      s.restart({ synced: false });
      return { s, key };
    })();
    // Someone changed the object (here: a newer status) after the cache last saw it.
    s.api.touch(key);
    s.etcd.failNextRead();

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });

    expect(s.calls.summary()).toEqual(['etcd.read: unavailable', 'kube.patchStatus: conflict']);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
  });
});

describe('etcd unavailable', () => {
  /** An entry committed by an earlier run, reconciled after a restart before the drift watch synced: it must read. */
  async function restartedWithoutView(): Promise<{ s: Scenario; key: string }> {
    const s = new Scenario();
    const key = await s.committed();
    s.restart({ synced: false });
    return { s, key };
  }

  it('on a read: no transaction, status Reconciling True EtcdUnavailable, and the queue retries with backoff', async () => {
    const { s, key } = await restartedWithoutView();
    s.etcd.failNextRead();

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });

    expect(s.calls.summary()).toEqual(['etcd.read: unavailable', 'kube.patchStatus', 'event Warning EtcdUnavailable']);
    expect(conditions(s.status(key))).toEqual(['Ready False EtcdUnavailable', 'Reconciling True EtcdUnavailable']);
    expect(findCondition(s.status(key), 'Reconciling')?.message).toContain('etcdserver: no leader');
  });

  it('on a commit refused before it was sent: status Reconciling True EtcdUnavailable, retry, nothing applied', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.failNextCommit('unavailable');

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });

    expect(s.calls.summary()).toEqual(['etcd.commit: unavailable', 'kube.patchStatus', 'event Warning EtcdUnavailable']);
    expect(s.etcd.applied).toEqual([]);
    expect(conditions(s.status(key))).toEqual(['Ready False EtcdUnavailable', 'Reconciling True EtcdUnavailable']);
  });

  it('leaves observedGeneration and the last commit in status as they were', async () => {
    const { s, key } = await restartedWithoutView();
    const before = s.status(key);
    s.etcd.failNextRead();

    await s.reconcile(key);

    expect(s.status(key)).toMatchObject({ observedGeneration: before?.observedGeneration, revision: before?.revision, dataHash: before?.dataHash });
  });

  it('any transient Cairn error reaches status with its own reason', async () => {
    const { s, key } = await restartedWithoutView();
    s.etcd.read = () => Promise.reject(new TransientError('EtcdUnavailable', 'etcd did not answer'));

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });

    expect(conditions(s.status(key))).toEqual(['Ready False EtcdUnavailable', 'Reconciling True EtcdUnavailable']);
  });
});

describe('deletion', () => {
  it('with deletionPolicy Delete removes data and meta in one transaction, then the finalizer', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const meta = s.etcd.get(META_KEY) as { modRevision: string };
    s.api.markDeleted(key);

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.read', 'etcd.commit: committed', 'kube.setFinalizers []']);
    expect(s.calls.of('etcd.commit')[0]?.txn).toMatchObject({
      compares: [
        { kind: 'modRevision', key: FENCE_KEY, equals: s.fence.revision },
        { kind: 'modRevision', key: META_KEY, equals: meta.modRevision },
      ],
      operations: [
        { kind: 'delete', key: DATA_KEY },
        { kind: 'delete', key: META_KEY },
      ],
    });
    expect(s.etcd.get(DATA_KEY)).toEqual({ exists: false });
    expect(s.etcd.get(META_KEY)).toEqual({ exists: false });
    expect(s.api.get(key)).toBeUndefined();
  });

  it('with deletionPolicy Retain deletes only meta: the value stays for plain readers, the finalizer goes', async () => {
    const s = new Scenario();
    const key = await s.committed(liveEntry({ spec: { deletionPolicy: 'Retain' } }));
    s.api.markDeleted(key);

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.read', 'etcd.commit: committed', 'kube.setFinalizers []']);
    expect(s.calls.of('etcd.commit')[0]?.txn.operations).toEqual([{ kind: 'delete', key: META_KEY }]);
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);
    expect(s.etcd.get(META_KEY)).toEqual({ exists: false });
    expect(s.api.get(key)).toBeUndefined();
  });

  it('of an entry whose key another entry owns deletes nothing and removes the finalizer', async () => {
    const s = new Scenario();
    s.etcd.put(DATA_KEY, '{"theirs":true}');
    s.etcd.put(META_KEY, metaOwnedBy(OTHER_UID, 'other-db'));
    s.syncMirror();
    const before = s.etcd.snapshot(['/cairn/']);
    const key = s.create(liveEntry());
    s.api.markDeleted(key);

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.read', 'kube.setFinalizers []']);
    expect(s.etcd.snapshot(['/cairn/'])).toEqual(before);
  });

  it('whose delete had an unknown outcome but was applied moves the fence, reads again and does not delete twice', async () => {
    const s = new Scenario();
    const key = await s.committed();
    s.api.markDeleted(key);
    s.etcd.failNextCommit('outcomeUnknownAfterApply');

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.read', 'etcd.commit: outcome unknown, applied', 'fence.move: moved', 'etcd.read', 'kube.setFinalizers []']);
    expect(s.etcd.get(DATA_KEY)).toEqual({ exists: false });
  });

  it('keeps the finalizer and retries when etcd cannot be read', async () => {
    const s = new Scenario();
    const key = await s.committed();
    s.api.markDeleted(key);
    s.etcd.failNextRead();

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });

    expect(s.calls.of('kube.setFinalizers')).toEqual([]);
    expect(s.api.get(key)?.metadata.finalizers).toEqual([FINALIZER]);
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);
  });
});

describe('drift', () => {
  it('with driftPolicy Correct restores the committed value after an outside change and records DriftCorrected', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const outside = s.putOutside(DATA_KEY, '{"edited":"by hand"}', { watched: true });

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal DriftCorrected']);
    expect(s.calls.of('etcd.commit')[0]?.txn.compares).toContainEqual({ kind: 'modRevision', key: DATA_KEY, equals: outside });
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);
    const revision = s.calls.of('etcd.commit')[0]?.revision;
    expect(s.status(key)).toMatchObject({ revision });
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
    expect(s.calls.of('event')[0]?.message).toBe(`restored after an outside change: committed to ${DATA_KEY} at revision ${revision}`);
  });

  it('with driftPolicy Correct, a correction whose outcome was unknown but applied is counted and announced as one', async () => {
    const s = new Scenario();
    const key = await s.committed();
    s.putOutside(DATA_KEY, '{"edited":"by hand"}', { watched: true });
    s.etcd.failNextCommit('outcomeUnknownAfterApply');

    await s.reconcile(key);

    expect(s.calls.summary()).toEqual(['etcd.commit: outcome unknown, applied', 'fence.move: moved', 'etcd.read', 'kube.patchStatus', 'event Normal DriftCorrected']);
    expect((await s.metrics.drift.get()).values.find((v) => v.labels.action === 'corrected')?.value).toBe(1);
  });

  it('with driftPolicy Correct restores a data key deleted outside Cairn', async () => {
    const s = new Scenario();
    const key = await s.committed();
    s.deleteOutside(DATA_KEY, { watched: true });

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal DriftCorrected']);
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);
  });

  it('with driftPolicy Report writes nothing and reports DriftReported', async () => {
    const s = new Scenario();
    const key = await s.committed(liveEntry({ spec: { driftPolicy: 'Report' } }));
    s.putOutside(DATA_KEY, '{"edited":"by hand"}', { watched: true });
    const revision = s.etcd.revision;

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Warning DriftReported']);
    expect(s.etcd.revision).toBe(revision);
    expect(s.etcd.value(DATA_KEY)).toBe('{"edited":"by hand"}');
    expect(conditions(s.status(key))).toEqual(['Ready False DriftReported', 'Stalled True DriftReported']);
    expect(findCondition(s.status(key), 'Ready')?.message).toMatch(new RegExp(`^${DATA_KEY} holds a value changed outside Cairn .*driftPolicy is Report`));
  });

  it('with driftPolicy Correct against a writer that keeps changing the value: five corrections in a minute, then they back off and status says DriftFight', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const results = [];
    for (let second = 0; second < 9; second++) {
      s.putOutside(DATA_KEY, `{"edited":${second}}`, { watched: true });
      results.push(await s.reconcile(key));
      s.advance(1_000);
    }

    expect(s.etcd.applied).toHaveLength(1 + 5); // the first commit, then five corrections
    expect(results.slice(0, 5)).toEqual(Array(5).fill({ kind: 'done' }));
    expect(results.slice(5)).toEqual([4_000, 3_000, 2_000, 1_000].map((ms) => ({ kind: 'requeueAfter', afterMs: ms })));
    expect(conditions(s.status(key))).toEqual(['Ready False DriftFight', 'Reconciling True DriftFight']);
    expect(findCondition(s.status(key), 'Ready')?.message).toMatch(new RegExp(`^${DATA_KEY} keeps changing outside Cairn`));
    expect(s.calls.of('event').map((e) => `${e.type} ${e.reason}`)).toEqual([...Array(5).fill('Normal DriftCorrected'), 'Warning DriftFight']);
    expect(s.calls.of('kube.patchStatus')).toHaveLength(6); // the wait is reported once, not once per outside write
  });

  /** A committed entry whose value another writer changes `rounds` times in a row, each reconciled at once. */
  async function fought(rounds: number): Promise<{ s: Scenario; key: string }> {
    const s = new Scenario();
    const key = await s.committed();
    for (let i = 0; i < rounds; i++) {
      s.putOutside(DATA_KEY, `{"edited":${i}}`, { watched: true });
      await s.reconcile(key);
    }
    return { s, key };
  }

  it('in a drift fight, corrects again when the backoff has passed and then waits twice as long', async () => {
    const { s, key } = await fought(5);
    s.advance(5_000);
    s.putOutside(DATA_KEY, '{"edited":"again"}', { watched: true });

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);
    s.putOutside(DATA_KEY, '{"edited":"and again"}', { watched: true });
    expect(await s.reconcile(key)).toEqual({ kind: 'requeueAfter', afterMs: 10_000 });
  });

  it('after a drift fight has been calm for a minute, corrects the next outside change at once', async () => {
    const { s, key } = await fought(6);
    s.advance(5_000 + 60_000);
    s.putOutside(DATA_KEY, '{"edited":"much later"}', { watched: true });

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
  });

  it('after a reported drift is undone outside Cairn, is Ready again without a write', async () => {
    const s = new Scenario();
    const key = await s.committed(liveEntry({ spec: { driftPolicy: 'Report' } }));
    s.putOutside(DATA_KEY, '{"edited":"by hand"}', { watched: true });
    await s.reconcile(key);
    s.putOutside(DATA_KEY, canonical, { watched: true });
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Normal Committed']);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
    expect(s.status(key)?.revision).toBe((s.etcd.get(DATA_KEY) as { modRevision: string }).modRevision);
  });
});

describe('the clock', () => {
  it('stamps lastTransitionTime from the injected clock at second precision', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());

    await s.reconcile(key);

    expect(findCondition(s.status(key), 'Ready')?.lastTransitionTime).toBe(NOW.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });
});

describe('a restart over committed entries', () => {
  it('costs nothing when the store view has synced: no read, no transaction, no status patch', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const revision = s.etcd.revision;
    s.restart();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([]);
    expect(s.etcd.revision).toBe(revision);
  });

  it('costs one read and no write when the store view has not synced yet', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const revision = s.etcd.revision;
    s.restart({ synced: false });

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.read']);
    expect(s.etcd.revision).toBe(revision);
  });
});

describe('a resync with the schema engine', () => {
  /** A compiled schema that accepts any data as it is and counts the values it was asked to judge. */
  function countingSchema(): { schema: CompiledSchema; judged: unknown[] } {
    const judged: unknown[] = [];
    return { judged, schema: { validate: (data) => (judged.push(data), { ok: true, value: data, warnings: [] }), release: () => {} } };
  }

  it('confirms a committed, unchanged entry without asking the engine again, and asks again once the schema is compiled again', async () => {
    let compiled = countingSchema();
    const s = new Scenario({ engineSchemas: () => ({ kind: 'ready', schema: compiled.schema }) });
    const key = await s.committed();
    expect(compiled.judged).toHaveLength(1);

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([]);
    expect(compiled.judged).toHaveLength(1);

    compiled = countingSchema(); // a new compilation: the schema's content changed
    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([]);
    expect(compiled.judged).toHaveLength(1);
  });

  it('asks the engine again for a new generation of the entry', async () => {
    const compiled = countingSchema();
    const s = new Scenario({ engineSchemas: () => ({ kind: 'ready', schema: compiled.schema }) });
    const key = await s.committed();
    s.api.updateSpec(key, { data: { host: 'db.shop.svc', database: 'checkout', user: 'checkout', port: 6543 } });

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(compiled.judged).toHaveLength(2);
  });

  it('asks the engine again after a restart (verdicts live in one process)', async () => {
    const compiled = countingSchema();
    const s = new Scenario({ engineSchemas: () => ({ kind: 'ready', schema: compiled.schema }) });
    const key = await s.committed();
    s.restart();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([]);
    expect(compiled.judged).toHaveLength(2);
  });
});

describe('after the fence is lost', () => {
  it('the next reconcile of any entry does nothing until the fence is taken again', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.acquireFence(FENCE_KEY, 'cairn-1');
    await s.reconcile(key);
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([]);
  });
});

describe('our own writes before the watch reports them', () => {
  it('a second reconcile before the watch delivers our status patch writes nothing again', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.cache.lag();
    await s.reconcile(key);
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([]);
  });

  it('a second reconcile before the watch delivers our finalizer and status patches adds nothing again', async () => {
    const s = new Scenario();
    const key = s.create(entry());
    s.cache.lag();
    await s.reconcile(key);
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([]);
    expect(s.cache.get(key)?.metadata.resourceVersion).toBe(s.api.get(key)?.metadata.resourceVersion);
  });

  it('the status patch of a reconcile that started from an older version does not hide a newer spec from the next reconcile', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.cache.lag();
    s.api.updateSpec(key, { data: { host: 'db.shop.svc', database: 'checkout', user: 'checkout', port: 6543 } });
    await s.reconcile(key); // plans generation 3 from the lagging cache
    s.cache.catchUp();
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(s.status(key)?.observedGeneration).toBe(4);
  });
});

describe('recovering', () => {
  it('from a terminal failure once the spec is fixed: Ready True, Stalled gone, a Committed event', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry({ spec: { data: { host: 'db' } } }));
    await s.reconcile(key);
    s.api.updateSpec(key, { data: { host: 'db.shop.svc', database: 'checkout', user: 'checkout' } });
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
    expect(s.status(key)?.observedGeneration).toBe(4);
  });

  it('from etcd being unavailable: the next reconcile commits and Reconciling is gone', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.etcd.failNextCommit('unavailable');
    await s.reconcile(key);
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
  });

  it('from a terminal failure by a spec back to the committed value: Ready True, no transaction, no Event', async () => {
    const s = new Scenario();
    const key = await s.committed();
    const committedData = s.api.get(key)?.spec.data;
    s.api.updateSpec(key, { data: { host: 'db' } });
    await s.reconcile(key);
    s.api.updateSpec(key, { data: committedData });
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus']);
    expect(conditions(s.status(key))).toEqual(['Ready True Committed']);
    expect(s.etcd.applied).toHaveLength(1);
  });

  it('after a restart, from a commit whose status patch never happened: status and a Committed event, no transaction', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.api.failNextPatchStatus();
    await s.reconcile(key);
    s.restart();
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Normal Committed']);
    expect(s.etcd.applied).toHaveLength(1);
  });

  it('from a status patch that failed after the commit: the retry patches status and writes etcd no more', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry());
    s.api.failNextPatchStatus();
    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Normal Committed']);
    expect(s.etcd.applied).toHaveLength(1);
    expect(s.status(key)?.revision).toBe((s.etcd.get(DATA_KEY) as { modRevision: string }).modRevision);
  });
});

describe('two entries claiming one key', () => {
  it('the second is Stalled with KeyConflict until the owner is deleted, then takes the key', async () => {
    const s = new Scenario();
    const owner = await s.committed();
    const claimant = s.create(liveEntry({ metadata: { name: 'checkout-db-copy', uid: OTHER_UID }, spec: { data: { host: 'copy.shop.svc', database: 'checkout', user: 'checkout' } } }));
    await s.reconcile(claimant);
    expect(findCondition(s.status(claimant), 'Stalled')?.message).toBe(`${DATA_KEY} is owned by ConfigEntry shop/checkout-db (uid ${UID}); its value is left untouched`);
    expect(s.etcd.value(DATA_KEY)).toBe(canonical);

    s.api.markDeleted(owner);
    await s.reconcile(owner);
    s.calls.clear();
    expect(await s.reconcile(claimant)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(JSON.parse(s.etcd.value(DATA_KEY) ?? '{}')).toMatchObject({ host: 'copy.shop.svc' });
    expect(parseStoredMeta(s.etcd.value(META_KEY) ?? '')).toMatchObject({ uid: OTHER_UID, name: 'checkout-db-copy' });
    expect(conditions(s.status(claimant))).toEqual(['Ready True Committed']);
  });
});

describe('more invalid input', () => {
  it('data over the configured size limit: no transaction, Stalled DataTooLarge naming the limit', async () => {
    const s = new Scenario({ maxBytes: 64 });
    const key = s.create(liveEntry());

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.patchStatus', 'event Warning DataTooLarge']);
    expect(s.etcd.applied).toEqual([]);
    expect(findCondition(s.status(key), 'Stalled')?.message).toMatch(/^data: is \d+ bytes as canonical JSON, more than the limit of 64 bytes/);
  });

  it('deleting an entry whose key was never valid removes the finalizer without reading etcd', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry({ spec: { key: 'a//b' } }));
    s.api.markDeleted(key);

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['kube.setFinalizers []']);
  });

  it('an entry being deleted without Cairn\'s finalizer is left to the apiserver', async () => {
    const s = new Scenario();
    const key = s.create(liveEntry({ metadata: { finalizers: ['example.com/other'] } }));
    s.api.markDeleted(key);

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual([]);
  });
});
