/** What operators of Cairn watch: probes, controller-runtime's metric names, and quiet info logs. */
import { beforeAll, describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { withOperator } from '../../support/fixture.ts';

describe('observability', () => {
  const f = withOperator('obs', ['--log-level=info']);
  const { namespace, entries } = f;
  const secretish = 'do-not-log-this-host.example';

  beforeAll(async () => {
    const data = { ...(lookupSchema('database@v1')?.example as Record<string, unknown>), host: secretish };
    await entries.create('db', { schema: 'database@v1', data });
    await entries.waitReady('db');
  });

  it('answers /healthz and /readyz once synced', async () => {
    expect((await fetch(`${f.operator.metricsUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${f.operator.metricsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ok\n');
  });

  it("exposes controller-runtime's metric names and Cairn's etcd transaction counters", async () => {
    const text = await f.operator.metrics();
    for (const name of [
      'controller_runtime_reconcile_total{controller="configentry",result="success"}',
      'controller_runtime_reconcile_time_seconds_bucket',
      'controller_runtime_max_concurrent_reconciles{controller="configentry"}',
      'controller_runtime_active_workers{controller="configentry"}',
      'workqueue_depth{name="configentry"}',
      'workqueue_adds_total{name="configentry"}',
      'workqueue_queue_duration_seconds_bucket',
      'workqueue_work_duration_seconds_bucket',
      'cairn_etcd_txn_total{result="committed"}',
      'cairn_reconcile_stage_seconds_bucket{le="0.001",stage="etcd_txn"}',
      'cairn_reconcile_stage_seconds_bucket{le="0.001",stage="status_patch"}',
    ]) {
      expect(text, name).toContain(name);
    }
    expect(await f.operator.metric('cairn_etcd_txn_total{result="committed"}')).toBe(1);
  });

  it('logs JSON, one line per commit at info, and never the config value', () => {
    const lines = f.operator.logs().trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; key?: string });
    expect(lines.filter((l) => l.msg === 'committed' && l.key === `${namespace}/db`)).toHaveLength(1);
    expect(f.operator.logs()).not.toContain(secretish);
  });
});
