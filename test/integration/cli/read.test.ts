/**
 * `cairn get`, `cairn watch` and `cairn types` as processes, against values the operator committed
 * on the real control plane; expectations come from the entries' own status (revision, dataHash) and
 * from what the test wrote, not from the client.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { Bundles } from '../../support/entries.ts';
import { eventually, withOperator } from '../../support/fixture.ts';
import { apply, conditionOfSchema, configSchema, getSchema, kubectl } from '../config-schema/support.ts';
import { clusterEnv, runCairn, startCairn } from './run-cairn.ts';

const DB = { host: 'db.shop.svc', database: 'checkout', user: 'app', pool: { max: 20 } };

describe('cairn get, watch and types', () => {
  const f = withOperator('cli-read', [`--schema-engine-file=${validatorWasmPath()}`]);
  const schemaName = uniqueName('cli-types');
  const env = (): NodeJS.ProcessEnv => clusterEnv(f.prefix);

  afterAll(() => {
    kubectl(['delete', 'configschema', schemaName, '--ignore-not-found', '--wait=false']);
  });

  it('get prints the committed value with the revision and hash the entry reported Ready with (json), and as a table', async () => {
    await f.entries.create('db', { schema: 'database@v1', key: 'checkout/db', data: DB });
    const ready = await f.entries.waitReady('db');
    const run = await runCairn(['get', `${f.namespace}/checkout/db`, '--at-least', ready.status?.revision ?? '', '-o', 'json'], { env: env() });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const entry = JSON.parse(run.stdout) as Record<string, unknown> & { value: { port: number; pool: { max: number } } };
    expect(entry).toMatchObject({ namespace: f.namespace, key: 'checkout/db', schema: 'database@v1', revision: ready.status?.revision, dataHash: ready.status?.dataHash, generation: 1 });
    expect([entry.value.port, entry.value.pool.max]).toEqual([5432, 20]); // the default applied, the value given

    const table = await runCairn(['get', `${f.namespace}/checkout/db`], { env: env() });
    expect(table.code).toBe(0);
    const [header, row, blank, ...value] = table.stdout.split('\n');
    expect(header?.split(/\s{3,}/)).toEqual(['NAMESPACE', 'KEY', 'SCHEMA', 'REVISION', 'GENERATION', 'DATA HASH']);
    expect(row?.split(/\s{3,}/)).toEqual([f.namespace, 'checkout/db', 'database@v1', ready.status?.revision, '1', ready.status?.dataHash]);
    expect([blank, value]).toEqual(['', expect.arrayContaining(['host: db.shop.svc', 'port: 5432'])]);
  });

  it('get --bundle prints every member of a Ready bundle at its status revision (json), and exits 4 for a bundle never committed', async () => {
    const bundles = new Bundles(f.namespace);
    await bundles.create('pair', { members: [{ key: 'pair/db', schema: 'database@v1', data: DB }, { key: 'pair/replica', schema: 'database@v1', data: { ...DB, host: 'replica.shop.svc' } }] });
    const ready = await bundles.waitReady('pair');
    const run = await runCairn(['get', f.namespace, '--bundle', 'pair', '--at-least', ready.status?.revision ?? '', '-o', 'json'], { env: env() });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const bundle = JSON.parse(run.stdout) as { generation: number; revision: string; members: { key: string; dataHash: string; value: { host: string } }[] };
    expect({ generation: bundle.generation, revision: bundle.revision }).toEqual({ generation: 1, revision: ready.status?.revision });
    expect(bundle.members.map((m) => [m.key, m.dataHash, m.value.host])).toEqual([
      ['pair/db', ready.status?.members?.[0]?.dataHash, 'db.shop.svc'],
      ['pair/replica', ready.status?.members?.[1]?.dataHash, 'replica.shop.svc'],
    ]);
    const missing = await runCairn(['get', f.namespace, '--bundle', 'nope'], { env: env() });
    expect([missing.code, missing.stdout]).toEqual([4, '']);
    expect(missing.stderr).toMatch(/^cairn: NotFound: bundle .*\/nope: no bundle record/);
  });

  it('get of a key without a value exits 4; a name without a key exits 2; both say why on stderr', async () => {
    const missing = await runCairn(['get', `${f.namespace}/no/such/key`], { env: env() });
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([4, '', `cairn: NotFound: ${f.namespace}/no/such/key: no value\n`]);
    const bad = await runCairn(['get', f.namespace], { env: env() });
    expect([bad.code, bad.stdout]).toEqual([2, '']);
    expect(bad.stderr).toMatch(/name an entry as NAMESPACE\/KEY/);
  });

  it('get of a value edited in etcd behind Cairn\'s back exits 1 with IntegrityError (driftPolicy Report keeps the edit)', async () => {
    await f.entries.create('edited', { schema: 'database@v1', data: DB, driftPolicy: 'Report' });
    await f.entries.waitReady('edited');
    const cp = controlPlane();
    const put = spawnSync(cp.etcdctl, ['--endpoints', cp.storeEndpoints.join(','), 'put', `${f.prefix}/data/${f.namespace}/edited`, '{"host":"evil"}'], { encoding: 'utf8' });
    expect(put.status).toBe(0);
    const run = await runCairn(['get', `${f.namespace}/edited`], { env: env() });
    expect([run.code, run.stdout]).toEqual([1, '']);
    expect(run.stderr).toMatch(new RegExp(`^cairn: IntegrityError: ${f.namespace}/edited: the value was changed outside Cairn`));
  });

  it('watch -o json starts with the current state, then yields a new commit as it lands; Ctrl-C ends it with exit 0', async () => {
    const watch = startCairn(['watch', `${f.namespace}/checkout/`, '-o', 'json'], { env: env() });
    try {
      const changes = (): { type: string; reason?: string; entry?: { key: string; value: { port: number } }; snapshot?: { entries: { key: string }[] } }[] =>
        watch.stdout().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as never);
      const initial = await eventually('the initial resync', async () => changes().find((c) => c.type === 'resync'), 30_000);
      expect(initial.reason).toBe('initial');
      expect(initial.snapshot?.entries.map((e) => e.key)).toEqual(['checkout/db']);
      await f.entries.create('cart', { schema: 'database@v1', key: 'checkout/cart', data: { ...DB, port: 6000 } });
      const ready = await f.entries.waitReady('cart');
      const put = await eventually('the put of checkout/cart', async () => changes().find((c) => c.type === 'put' && c.entry?.key === 'checkout/cart'), 30_000);
      expect(put).toMatchObject({ revision: ready.status?.revision, entry: { value: { port: 6000 } } });
    } finally {
      const end = await watch.stop('SIGINT');
      expect([end.code, end.stderr]).toEqual([0, '']);
    }
  });

  it('types prints a module for a published declared schema and for an embedded one; an unknown schema exits 4', async () => {
    expect(apply(configSchema(schemaName, [{ name: 'v1', openAPIV3Schema: { type: 'object', required: ['currency'], properties: { currency: { type: 'string', enum: ['EUR', 'USD'] } } } }])).stderr).toBe('');
    await eventually('the ConfigSchema Ready', async () => (conditionOfSchema(getSchema(schemaName), 'Ready')?.status === 'True' ? true : undefined), 60_000);
    const declared = await runCairn(['types', `${schemaName}@v1`], { env: env() });
    expect([declared.code, declared.stderr]).toEqual([0, '']);
    expect(declared.stdout).toContain(`import { declaredSchema, type ValueSchema } from 'cairn/client';`);
    expect(declared.stdout).toMatch(/currency: "EUR" \| "USD";/);
    const embedded = await runCairn(['types', 'feature-flags@v1', '--from', '../client/index.ts'], { env: env() });
    expect(embedded.stdout).toContain(`import { featureFlags, type FeatureFlags } from '../client/index.ts';`);
    const unknown = await runCairn(['types', 'nothing@v9'], { env: env() });
    expect([unknown.code, unknown.stdout]).toEqual([4, '']);
    expect(unknown.stderr).toMatch(/^cairn: NotFound: schema nothing@v9 is not published under /);
  });
});
