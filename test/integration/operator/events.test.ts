/**
 * The Events an entry's history leaves on the real apiserver (domain/events.ts decides them): a
 * Normal Committed Event for each value committed, a Warning for a failure, and nothing for a
 * reconcile that finds the committed value again (a restart, a spec change that keeps the value, the
 * spec put back after a failure). Each Event that must be there is waited for while the operator
 * runs; the operator is then stopped gracefully before the Events are counted, so any other Event it
 * recorded has been written too (shutdown.ts flushes the recorder).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { adminKubeConfig, uniqueName } from '../../support/cluster.ts';
import { conditionOf, Entries } from '../../support/entries.ts';
import { eventually } from '../../support/fixture.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';

const SUCCESS = 'controller_runtime_reconcile_total{controller="configentry",result="success"}';
const database = lookupSchema('database@v1')?.example as Record<string, unknown> & { port: number };

describe('Events of an entry', () => {
  const namespace = uniqueName('events');
  const prefix = `/${uniqueName('events')}`;
  const entries = new Entries(namespace);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  let operator: RunningOperator | undefined;

  beforeAll(async () => {
    await entries.createNamespace();
    operator = await startOperator({ namespace, prefix });
  });
  afterAll(async () => {
    await operator?.stop();
    await entries.deleteNamespace();
  });

  const eventsOf = async (name: string): Promise<string[]> =>
    (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => `${e.type} ${e.reason} ${e.message} x${e.count}`);
  const eventAppears = (name: string, what: string, match: (event: string) => boolean) =>
    eventually(what, async () => ((await eventsOf(name)).some(match) ? true : undefined));
  const readyAt = (generation: number) => (e: Awaited<ReturnType<typeof entries.get>>) =>
    e.status?.observedGeneration === generation && conditionOf(e, 'Ready')?.status === 'True';

  it('one Committed Event per value committed, none for a re-confirm after a restart, a same-value change or a failure undone', async () => {
    const first = await entries.create('described', { schema: 'database@v1', data: database });
    const committed = await entries.waitReady('described');
    const key = committed.status?.key;
    const r1 = committed.status?.revision;
    await eventAppears('described', 'the first Committed Event', (e) => e.startsWith(`Normal Committed committed to ${key} at revision ${r1} `));

    // A restart re-confirms the value: nothing to tell.
    await operator?.stop();
    operator = await startOperator({ namespace, prefix });
    const restarted = operator;
    await eventually('the entry re-confirmed after the restart', async () => ((await restarted.metric(SUCCESS)) >= 1 ? true : undefined));

    // A new generation that keeps the value: status moves on, the value does not.
    const generation = first.metadata.generation ?? 1;
    await entries.patchSpec('described', { driftPolicy: 'Report' });
    await entries.waitFor('described', 'generation 2 observed', readyAt(generation + 1));

    // A failure, then the spec put back: a Warning, then Ready again at the same revision.
    await entries.patchSpec('described', { data: { ...database, port: 'not-a-port' } });
    await entries.waitFor('described', 'Stalled InvalidData', (e) => conditionOf(e, 'Stalled')?.reason === 'InvalidData');
    await eventAppears('described', 'the InvalidData Warning', (e) => e.startsWith('Warning InvalidData '));
    await entries.patchSpec('described', { data: database });
    const undone = await entries.waitFor('described', 'Ready again', readyAt(generation + 3));
    expect(undone.status?.revision).toBe(r1);

    // A new value: a new revision, announced.
    await entries.patchSpec('described', { data: { ...database, port: database.port + 1 } });
    const changed = await entries.waitFor('described', 'the new value committed', readyAt(generation + 4));
    const r2 = changed.status?.revision;
    expect(r2).not.toBe(r1);
    await eventAppears('described', 'the second Committed Event', (e) => e.startsWith(`Normal Committed committed to ${key} at revision ${r2} `));

    await operator.stop(); // writes every Event still waiting
    operator = undefined;
    const summary = await eventsOf('described');
    expect(summary, summary.join('\n')).toHaveLength(3);
    expect(summary).toEqual(
      expect.arrayContaining([`Normal Committed committed to ${key} at revision ${r1} x1`, `Normal Committed committed to ${key} at revision ${r2} x1`, expect.stringMatching(/^Warning InvalidData .*port.* x1$/)]),
    );
  });
});
