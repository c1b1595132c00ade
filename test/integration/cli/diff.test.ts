/**
 * `cairn diff` as a process against entries the operator committed, and etcd changed behind its back
 * with etcdctl (entries under driftPolicy Report keep such changes), then a spec changed while the
 * operator is stopped. Expected states come from what the test did, not from the code.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { controlPlane } from '../../support/cluster.ts';
import { withOperator } from '../../support/fixture.ts';
import { clusterEnv, runCairn } from './run-cairn.ts';

const DB = { host: 'db.shop.svc', database: 'checkout', user: 'app' };

function etcdctl(...args: string[]): void {
  const cp = controlPlane();
  const result = spawnSync(cp.etcdctl, ['--endpoints', cp.storeEndpoints.join(','), ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${result.stderr}`);
}

describe('cairn diff', () => {
  const f = withOperator('cli-diff');
  const env = (): NodeJS.ProcessEnv => clusterEnv(f.prefix);
  const stateOf = (items: { key: string; state: string }[], key: string): string | undefined => items.find((i) => i.key === key)?.state;

  it('exits 0 and says every key is in sync once the operator committed every entry', async () => {
    await f.entries.create('a', { schema: 'database@v1', data: DB, driftPolicy: 'Report' });
    await f.entries.create('b', { schema: 'database@v1', data: { ...DB, port: 6000 }, driftPolicy: 'Report' });
    await f.entries.create('c', { schema: 'database@v1', data: DB, driftPolicy: 'Report' });
    await Promise.all(['a', 'b', 'c'].map((n) => f.entries.waitReady(n)));
    const run = await runCairn(['diff', f.namespace], { env: env() });
    expect([run.code, run.stderr, run.stdout]).toEqual([0, '', `3 keys in ${f.namespace}: 3 in-sync\n`]);
  });

  it('names each kind of difference: drifted, missing, foreign, invalid; exit 1', async () => {
    etcdctl('put', `${f.prefix}/data/${f.namespace}/a`, '{"host":"evil"}');
    etcdctl('del', `${f.prefix}/data/${f.namespace}/b`);
    etcdctl('put', `${f.prefix}/data/${f.namespace}/stray`, '{"x":1}');
    await f.entries.create('bad', { schema: 'database@v1', data: { ...DB, port: 'five' } });
    const run = await runCairn(['diff', f.namespace, '-o', 'json'], { env: env() });
    expect([run.code, run.stderr]).toEqual([1, '']);
    const items = JSON.parse(run.stdout) as { key: string; state: string; detail: string }[];
    expect(['a', 'b', 'c', 'stray', 'bad'].map((k) => stateOf(items, k))).toEqual(['drifted', 'missing', 'in-sync', 'foreign', 'invalid']);
    expect(items.find((i) => i.key === 'bad')?.detail).toMatch(/data\.port/);
    expect(items.find((i) => i.key === 'b')?.detail).toBe('the value committed by generation 1 was deleted outside Cairn');
  });

  it('shows a spec the operator has not committed yet as a unified diff from etcd to Kubernetes', async () => {
    await f.operator.stop();
    await f.entries.patchSpec('c', { data: { ...DB, port: 7000 } });
    const run = await runCairn(['diff', f.namespace], { env: env() });
    expect(run.code).toBe(1);
    const block = run.stdout.split('\n\n').find((b) => b.startsWith(`diff -u etcd/${f.namespace}/c `)) ?? '';
    expect(block.split('\n').slice(1, 4)).toEqual([
      expect.stringMatching(new RegExp(`^--- etcd        ${f.prefix}/data/${f.namespace}/c \\(revision \\d+\\)$`)),
      `+++ kubernetes  ConfigEntry ${f.namespace}/c`,
      "# different: etcd holds generation 1's value; the entry (generation 2) declares another",
    ]);
    expect(block).toContain('\n-  "port": 5432,\n+  "port": 7000,\n');
  });
});
