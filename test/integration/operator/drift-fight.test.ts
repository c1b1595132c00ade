/**
 * A drift fight on the real apiserver and etcd: an outside writer keeps changing a value under
 * driftPolicy Correct. The operator backs its corrections off (counted by the operator's own
 * `cairn_drift_total{action="corrected"}`, which moves with each correction's commit, not by the
 * Events, which are aggregated and written later), says DriftFight in status, and the Warning is one
 * Event object whose count grows, not one per round.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { adminKubeConfig } from '../../support/cluster.ts';
import { conditionOf } from '../../support/entries.ts';
import { eventually, withOperator } from '../../support/fixture.ts';

const flags = lookupSchema('feature-flags@v1')?.example as Record<string, unknown>;
const CORRECTED = 'cairn_drift_total{action="corrected"}';

describe('a drift fight', () => {
  const f = withOperator('drift-fight');
  const { namespace, prefix, entries, store } = f;
  const core = adminKubeConfig().makeApiClient(CoreV1Api);

  it('backs corrections off, reports DriftFight in status and in one Warning event', async () => {
    await entries.create('fought', { schema: 'feature-flags@v1', data: flags });
    await entries.waitReady('fought');
    const correctedBefore = await f.operator.metric(CORRECTED);
    const dataKey = `${prefix}/data/${namespace}/fought`;
    const outsideWrites = 40;
    for (let i = 0; i < outsideWrites; i++) {
      await store.put(dataKey, JSON.stringify({ tampered: i }));
      await new Promise((r) => setTimeout(r, 50));
    }

    const fighting = await entries.waitFor('fought', 'Reconciling with reason DriftFight', (e) => conditionOf(e, 'Reconciling')?.reason === 'DriftFight');
    expect(conditionOf(fighting, 'Ready')).toMatchObject({ status: 'False', reason: 'DriftFight' });
    expect(conditionOf(fighting, 'Ready')?.message).toContain(dataKey);
    const corrections = (await f.operator.metric(CORRECTED)) - correctedBefore;
    expect(corrections, 'the fight began with corrections').toBeGreaterThanOrEqual(1);
    expect(corrections, 'then they were backed off').toBeLessThan(outsideWrites / 2);

    // Events are written after the status patch, asynchronously: wait for the Warning to land.
    const events = await eventually('a DriftFight event', async () => {
      const items = (await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=fought' })).items;
      return items.some((e) => e.reason === 'DriftFight') ? items : undefined;
    });
    const fightEvents = events.filter((e) => e.reason === 'DriftFight');
    expect(fightEvents).toHaveLength(1);
    expect(fightEvents[0]?.type).toBe('Warning');
  });
});
