/**
 * The watch requires a leader (gRPC metadata hasleader=true, as clientv3's WithRequireLeader): on a
 * member cut off from its peers (it keeps serving clients and answering pings), etcd ends the watch
 * with "no leader" instead of leaving it open and silent. The watcher here talks to that member only,
 * and its silence watchdog is set far beyond the test, so only require-leader can end the stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../../src/etcd/client.ts';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { type Recorder, record, waitFor } from './watch-recorder.ts';

const dir = mkdtempSync(join(tmpdir(), 'cairn-leader-'));
let cluster: EtcdCluster;
let client: Etcd3;
let running: Recorder | undefined;

beforeAll(async () => {
  cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'leader', members: 3, pidFile: join(dir, 'pids'), partitionable: true });
  client = createEtcdClient({ endpoints: [cluster.endpoints[0] as string], requestTimeoutMs: 1_000 });
});
afterAll(async () => {
  await running?.watcher.stop();
  client.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PrefixWatcher on a member cut off from quorum', () => {
  it('is ended by etcd ("no leader") instead of staying open and silent', async () => {
    const p = `/${uniqueName('leader')}/`;
    running = record(client, p, { silenceLimitMs: 600_000 });
    const r = running;
    await waitFor('the initial resync', () => r.resyncs.length === 1);
    expect(r.watcher.state).toBe('watching');

    cluster.isolate(0);
    try {
      await waitFor('etcd to end the watch for want of a leader', () => r.errors.some((e) => e.message.includes('no leader')), 30_000);
      expect(r.resyncs.map((x) => x.reason)).toEqual(['initial']); // not the watchdog
    } finally {
      cluster.heal(0);
    }
  }, 60_000);
});
