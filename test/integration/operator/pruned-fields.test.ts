/**
 * A misspelt field, end to end on the real apiserver and etcd with the schema engine: `kubectl apply`
 * of a database@v1 entry with `prot: 6543` (for `port`) is accepted (the data is pruned, as a CRD
 * prunes it), the default port is what etcd holds, and the user sees it: FieldsPruned in status (the
 * PRUNED column of `kubectl get -o wide`), and one Warning UnknownFieldsPruned Event that resyncs do
 * not repeat and whose reconciles write no status. A bundle member with the same field gets the same.
 */
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kubectl } from '../../../tools/controlplane/kubectl.ts';
import { API_VERSION, KIND } from '../../../src/api/names.ts';
import { adminKubeConfig, controlPlane } from '../../support/cluster.ts';
import { Bundles, conditionOf } from '../../support/entries.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { eventually, withOperator } from '../../support/fixture.ts';
import { kstatusOf } from '../../support/kstatus.ts';

const MISSPELT = { host: 'db.shop.svc', database: 'checkout', user: 'app', prot: 6543 };
const ENTRY_MESSAGE = 'spec.data.prot: unknown field, not declared by the schema; pruned, not stored';
const RECONCILED = 'controller_runtime_reconcile_total{controller="configentry",result="success"}';

describe('a field the schema does not declare', () => {
  const f = withOperator('pruned', [`--schema-engine-file=${validatorWasmPath()}`, '--resync-seconds=1']);
  const { namespace, prefix, entries, store } = f;
  const core = adminKubeConfig().makeApiClient(CoreV1Api);

  /** The Events of `name` with `reason`, once at least one has been written (they are written after the status patch). */
  function eventsOf(name: string, reason: string): Promise<CoreV1Event[]> {
    return eventually(`a ${reason} event for ${name}`, async () => {
      const items = (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items.filter((e) => e.reason === reason);
      return items.length > 0 ? items : undefined;
    });
  }

  it('is pruned at kubectl apply, the default committed, and named in status, the wide listing and one Warning Event that resyncs do not repeat', async () => {
    const manifest = { apiVersion: API_VERSION, kind: KIND, metadata: { name: 'misspelt', namespace }, spec: { schema: 'database@v1', data: MISSPELT } };
    await kubectl(controlPlane(), ['apply', '-f', '-'], stringify(manifest));

    const ready = await entries.waitReady('misspelt'); // FieldsPruned comes in the same status write
    expect(conditionOf(ready, 'FieldsPruned')).toMatchObject({ status: 'True', reason: 'UnknownFieldsPruned', message: ENTRY_MESSAGE, observedGeneration: ready.metadata.generation });
    expect((await kstatusOf(ready)).status).toBe('Current');
    const stored = JSON.parse((await store.get(`${prefix}/data/${namespace}/misspelt`))?.value ?? '{}') as Record<string, unknown>;
    expect(stored).not.toHaveProperty('prot');
    expect(stored.port).toBe(5432);

    const [warning] = await eventsOf('misspelt', 'UnknownFieldsPruned');
    expect(warning).toMatchObject({ type: 'Warning', message: ENTRY_MESSAGE, count: 1 });
    const wide = await kubectl(controlPlane(), ['get', 'configentries', 'misspelt', '-n', namespace, '-o', 'wide']);
    expect(wide).toMatch(/\bPRUNED\b/);
    expect(wide).toContain(ENTRY_MESSAGE);
    // Where the README sends people: describe (conditions and Events) and kubectl events.
    const described = await kubectl(controlPlane(), ['describe', 'ce', 'misspelt', '-n', namespace]);
    expect(described).toMatch(/Type:\s+FieldsPruned/);
    expect(described).toMatch(/Warning\s+UnknownFieldsPruned\s+.*spec\.data\.prot: unknown field/);
    expect(await kubectl(controlPlane(), ['events', '-n', namespace, '--for', 'ce/misspelt'])).toMatch(/Warning\s+UnknownFieldsPruned/);

    // Resyncs every second: reconciles happen, yet no status write (same resourceVersion) and no second Event.
    const reconciled = await f.operator.metric(RECONCILED);
    await eventually('two more reconciles (resyncs)', async () => ((await f.operator.metric(RECONCILED)) >= reconciled + 2 ? true : undefined));
    expect((await entries.get('misspelt')).metadata.resourceVersion).toBe(ready.metadata.resourceVersion);
    const after = await eventsOf('misspelt', 'UnknownFieldsPruned');
    expect(after.map((e) => e.count)).toEqual([1]);
  });

  it('is named in a bundle\'s status and Event under the member that carries it', async () => {
    const bundles = new Bundles(namespace);
    await bundles.create('misspelt-bundle', {
      members: [
        { key: 'bundle/ok', schema: 'database@v1', data: { host: 'db.shop.svc', database: 'ok', user: 'app' } },
        { key: 'bundle/misspelt', schema: 'database@v1', data: MISSPELT },
      ],
    });
    const message = 'spec.members[1].data.prot: unknown field, not declared by the schema; pruned, not stored';
    const ready = await bundles.waitReady('misspelt-bundle');
    expect(conditionOf(ready, 'FieldsPruned')).toMatchObject({ status: 'True', reason: 'UnknownFieldsPruned', message });
    expect(JSON.parse((await store.get(`${prefix}/data/${namespace}/bundle/misspelt`))?.value ?? '{}')).not.toHaveProperty('prot');
    const [warning] = await eventsOf('misspelt-bundle', 'UnknownFieldsPruned');
    expect(warning).toMatchObject({ type: 'Warning', message, involvedObject: { kind: 'ConfigBundle' } });
  });
});
