/**
 * The README's runnable examples (examples/read-config.ts, examples/read-bundle.ts) run as the README
 * runs them in the repository, through the package's `cairn/client` export with its in-repository
 * condition (`cairn-source`: the sources), against an etcd of its own holding one committed value and
 * one committed bundle. The export an application gets from the installed package (the build) is
 * test/integration/package/installed-package.test.ts's.
 */
import { spawnSync } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';
import { startOwnStore } from '../../support/store.ts';
import { commitBundleDirectly, commitDirectly } from './commits.ts';

let store: Awaited<ReturnType<typeof startOwnStore>>;
let writer: Etcd3;

beforeAll(async () => {
  store = await startOwnStore('reader-example');
  writer = new Etcd3({ hosts: [...store.endpoints] });
});
afterAll(async () => {
  writer.close();
  await store.stop();
});

function runExample(args: readonly string[], file = 'examples/read-config.ts'): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--conditions=cairn-source', file, ...args], {
    env: { ...process.env, ETCDCTL_ENDPOINTS: store.endpoints.join(','), CAIRN_PREFIX: '/cairn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('examples/read-config.ts', () => {
  it('prints the typed value with its revision', async () => {
    const value = databaseDefinition.schema.parse({ ...databaseDefinition.example, host: 'db.example.svc' });
    const revision = await commitDirectly(writer, '/cairn', 'cairn-demo', 'checkout/db', 'database@v1', value, 3);
    const run = runExample([]);
    expect(run.stderr).not.toContain('Error');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`cairn-demo/checkout/db at revision ${revision} (generation 3,`);
    expect(run.stdout).toContain('checkout@db.example.svc:5432/checkout sslmode=require pool 2..20');
  });

  it('exits 1 naming the key when nothing is committed there', () => {
    const run = runExample(['cairn-demo', 'nothing']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('nothing committed at cairn-demo/nothing');
  });
});

describe('examples/read-bundle.ts', () => {
  it('prints every member of the bundle with its generation and revision', async () => {
    const db = databaseDefinition.schema.parse({ ...databaseDefinition.example, host: 'db.example.svc' });
    const replica = databaseDefinition.schema.parse({ ...databaseDefinition.example, host: 'replica.example.svc' });
    const revision = await commitBundleDirectly(writer, '/cairn', 'cairn-demo', 'checkout', [
      { key: 'checkout/bundle/db', schema: 'database@v1', value: db },
      { key: 'checkout/bundle/replica', schema: 'database@v1', value: replica },
    ], 2);
    const run = runExample([], 'examples/read-bundle.ts');
    expect(run.stderr).not.toContain('Error');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`cairn-demo/checkout: generation 2, revision ${revision}, read at `);
    expect(run.stdout).toContain('  checkout/bundle/db (database@v1) {');
    expect(run.stdout).toContain('"host":"replica.example.svc"');
  });

  it('exits 1 naming the bundle when none is committed', () => {
    const run = runExample(['cairn-demo', 'nothing'], 'examples/read-bundle.ts');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no bundle committed as cairn-demo/nothing');
  });
});
