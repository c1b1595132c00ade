/**
 * Issue 11, defect 2: a watch stuck on an etcd member cut off from quorum. The member stays up and
 * answers keepalive pings, so its watch stays open and silent while the other two members accept an
 * outside edit. Status must not go on claiming Ready for a value etcd no longer holds: the edit is
 * corrected (driftPolicy Correct) or reported (Report) within bounded time, through the require-leader
 * watch, the silence watchdog and the periodic resync that reads etcd.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { conditionOf, Entries } from '../../support/entries.ts';
import { eventually } from '../../support/fixture.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader } from '../../support/store.ts';

const flags = lookupSchema('feature-flags@v1')?.example as Record<string, unknown>;

/** How many watch streams member `url` serves, from its own metrics. */
async function watchStreams(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith('etcd_debugging_mvcc_watch_stream_total '));
  return Number(line?.split(' ')[1] ?? 0);
}

describe('a watch stuck on an etcd member cut off from quorum', () => {
  const namespace = uniqueName('stuck');
  const prefix = `/${uniqueName('stuck')}`;
  const entries = new Entries(namespace);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-stuck-'));
  let cluster: EtcdCluster;
  let operator: RunningOperator;

  beforeAll(async () => {
    cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'stuck', members: 3, pidFile: join(dir, 'pids'), partitionable: true });
    await entries.createNamespace();
    operator = await startOperator({ namespace, prefix, storeEndpoints: cluster.endpoints, args: ['--resync-seconds=5', '--etcd-timeout-ms=2000'] });
  });

  afterAll(async () => {
    await operator?.stop();
    await entries.deleteNamespace();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('corrects (Correct) and reports (Report) an edit made through the other members, instead of staying Ready', async () => {
    await entries.create('corrected', { schema: 'feature-flags@v1', data: flags });
    await entries.create('reported', { schema: 'feature-flags@v1', data: flags, driftPolicy: 'Report' });
    const ready = await entries.waitReady('corrected');
    await entries.waitReady('reported');

    const watching = await eventually('the operator watch on one member', async () => {
      const counts = await Promise.all(cluster.endpoints.map(watchStreams));
      const members = counts.flatMap((n, i) => (n > 0 ? [i] : []));
      return members.length === 1 ? members[0] : undefined;
    });
    cluster.isolate(watching);
    const healthy = cluster.endpoints.filter((_, i) => i !== watching);
    const store = new StoreReader(healthy);
    try {
      const correctedKey = `${prefix}/data/${namespace}/corrected`;
      const committed = await store.get(correctedKey);
      await store.put(correctedKey, '{"tampered":true}');
      await store.put(`${prefix}/data/${namespace}/reported`, '{"tampered":true}');

      const restored = await eventually(
        'the edited value corrected, as etcd (a member with quorum) says',
        async () => {
          const now = await store.get(correctedKey);
          return now?.value === committed?.value && now?.modRevision !== committed?.modRevision ? now : undefined;
        },
        60_000,
      );
      const corrected = await entries.waitFor('corrected', 'status at the restored revision', (e) => e.status?.revision === restored.modRevision, 30_000);
      expect(conditionOf(corrected, 'Ready')?.status).toBe('True');
      expect(corrected.status?.dataHash).toBe(ready.status?.dataHash);

      const reported = await entries.waitStalled('reported', 'DriftReported', 30_000);
      expect(conditionOf(reported, 'Ready')?.status).toBe('False');
    } finally {
      store.close();
      cluster.heal(watching);
    }
  }, 180_000);
});
