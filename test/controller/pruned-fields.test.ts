/**
 * An entry whose data carries a field its schema does not declare (a misspelt `prot` beside the
 * defaulted `port`), against recording fakes (fakes.ts) and an engine that prunes as the real one
 * does (pruningSchema): the value is committed without the field, status says so (FieldsPruned) and
 * stays so, and a Warning UnknownFieldsPruned is recorded once per generation, never by a resync, a
 * restart or a failure in between.
 */
import { describe, expect, it } from 'vitest';
import { findCondition } from '../../src/domain/conditions.ts';
import { DATA_KEY } from '../unit/fixtures.ts';
import { Scenario, liveEntry, pruningSchema } from './fakes.ts';

const DECLARED = ['host', 'port', 'database', 'user'];
const MISSPELT = { host: 'db.shop.svc', database: 'checkout', user: 'checkout', prot: 6543 };
const MESSAGE = 'spec.data.prot: unknown field, not declared by the schema; pruned, not stored';

/** A scenario whose engine prunes every field but DECLARED, and an entry with `prot` in it, committed; the log cleared. */
async function committedWithMisspelling(): Promise<{ s: Scenario; key: string; judged: unknown[] }> {
  const { schema, judged } = pruningSchema(DECLARED);
  const s = new Scenario({ engineSchemas: () => ({ kind: 'ready', schema }) });
  const key = await s.committed(liveEntry({ spec: { data: MISSPELT } }));
  return { s, key, judged };
}

describe('an entry with a field its schema does not declare', () => {
  it('is committed without the field, Ready, with FieldsPruned naming it and a Warning UnknownFieldsPruned after Committed', async () => {
    const { schema } = pruningSchema(DECLARED);
    const s = new Scenario({ engineSchemas: () => ({ kind: 'ready', schema }) });
    const key = s.create(liveEntry({ spec: { data: MISSPELT } }));

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });

    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed', 'event Warning UnknownFieldsPruned']);
    expect(s.calls.of('event')[1]).toMatchObject({ type: 'Warning', reason: 'UnknownFieldsPruned', message: MESSAGE });
    expect(JSON.parse(s.etcd.value(DATA_KEY) ?? '{}')).toEqual({ host: 'db.shop.svc', database: 'checkout', user: 'checkout' });
    const status = s.status(key);
    expect(findCondition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Committed' });
    expect(findCondition(status, 'FieldsPruned')).toMatchObject({ status: 'True', reason: 'UnknownFieldsPruned', message: MESSAGE, observedGeneration: 3 });
  });

  it('writes nothing and records nothing on a resync confirmed from the verdict cache, nor after a restart that validates again', async () => {
    const { s, key, judged } = await committedWithMisspelling();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([]);
    expect(judged).toHaveLength(1); // confirmed: the verdict kept what was pruned

    s.restart();
    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([]);
    expect(judged).toHaveLength(2); // validated again: the same condition
    expect(findCondition(s.status(key), 'FieldsPruned')?.message).toBe(MESSAGE);
  });

  it('keeps FieldsPruned through a transient failure and does not warn again when the same generation is Ready again', async () => {
    const { s, key } = await committedWithMisspelling();
    s.restart({ synced: false });
    s.etcd.failNextRead();

    expect(await s.reconcile(key)).toEqual({ kind: 'retry' });
    expect(s.calls.summary()).toEqual(['etcd.read: unavailable', 'kube.patchStatus', 'event Warning EtcdUnavailable']);
    expect(findCondition(s.status(key), 'FieldsPruned')?.message).toBe(MESSAGE);
    s.calls.clear();

    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(['etcd.read', 'kube.patchStatus']);
  });

  it('warns again for a new generation that still has the field, and removes FieldsPruned once a generation has none', async () => {
    const { s, key } = await committedWithMisspelling();

    s.api.updateSpec(key, { data: { ...MISSPELT, host: 'db2.shop.svc' } });
    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed', 'event Warning UnknownFieldsPruned']);
    expect(findCondition(s.status(key), 'FieldsPruned')?.observedGeneration).toBe(4);
    s.calls.clear();

    s.api.updateSpec(key, { data: { host: 'db2.shop.svc', database: 'checkout', user: 'checkout', port: 6543 } });
    expect(await s.reconcile(key)).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(['etcd.commit: committed', 'kube.patchStatus', 'event Normal Committed']);
    expect(findCondition(s.status(key), 'FieldsPruned')).toBeUndefined();
  });
});
