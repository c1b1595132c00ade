/**
 * `cairn watch` while its etcd is away: a single-member etcd of its own, killed and started again.
 * One line on stderr when the watch loses etcd and one when etcd is back, not one per retry (the
 * watch retries several times while the member is down: its backoff starts at 100 ms); the watch
 * goes on and yields what is committed after, and Ctrl-C still ends it with exit 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { controlPlane } from '../../support/cluster.ts';
import { eventually } from '../../support/fixture.ts';
import { commitDirectly } from '../client/commits.ts';
import { startCairn } from './run-cairn.ts';

const prefix = '/away';
const ns = 'shop';
const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-away-'));
const value = databaseDefinition.schema.parse(databaseDefinition.example);
let cluster: EtcdCluster;
let writer: Etcd3;

beforeAll(async () => {
  cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'cli-away', members: 1, pidFile: join(dir, 'pids') });
  writer = new Etcd3({ hosts: cluster.endpoints });
  await commitDirectly(writer, prefix, ns, 'checkout/db', 'database@v1', value);
}, 120_000);
afterAll(async () => {
  writer.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cairn watch while etcd is away', () => {
  it('says once on stderr that it lost etcd and once that etcd is back, then goes on', async () => {
    const env = { CAIRN_ETCD_ENDPOINTS: cluster.endpoints.join(','), CAIRN_PREFIX: prefix, CAIRN_ETCD_TIMEOUT_MS: '2000' };
    const watch = startCairn(['watch', ns, '-o', 'json'], { env });
    const changes = (): { type: string; revision: string }[] => watch.stdout().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as never);
    const stderrLines = (): string[] => watch.stderr().split('\n').filter((l) => l !== '');
    try {
      await eventually('the initial resync', async () => changes().find((c) => c.type === 'resync'), 30_000);
      expect(watch.stderr()).toBe('');

      await cluster.kill(0);
      await eventually('the line saying etcd is lost', async () => (stderrLines().length > 0 ? true : undefined), 30_000);
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // etcd stays away through several retries
      expect(stderrLines()).toEqual([expect.stringMatching(/^cairn: watch: lost etcd \(Unavailable: .*\); retrying until it is back$/)]);

      await cluster.restart(0);
      await eventually('the line saying etcd is back', async () => (stderrLines().length > 1 ? true : undefined), 30_000);
      const revision = await commitDirectly(writer, prefix, ns, 'checkout/cart', 'database@v1', { ...value, port: 6000 });
      await eventually('the commit made after', async () => changes().find((c) => c.type === 'put' && c.revision === revision), 30_000);
    } finally {
      const end = await watch.stop('SIGINT');
      expect(end.code).toBe(0);
    }
    expect(stderrLines()).toEqual([expect.stringMatching(/^cairn: watch: lost etcd /), 'cairn: watch: etcd is back; the watch goes on from where it was']);
  }, 120_000);
});
