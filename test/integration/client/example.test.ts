/**
 * The README's runnable example (examples/read-config.ts) run as the README runs it in the repository,
 * through the package's `cairn/client` export with its in-repository condition (`cairn-source`: the
 * sources), against an etcd of its own holding one committed value. The export an application gets
 * from the installed package (the build) is test/integration/package/installed-package.test.ts's.
 */
import { spawnSync } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';
import { startOwnStore } from '../../support/store.ts';
import { commitDirectly } from './commits.ts';

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

function runExample(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--conditions=cairn-source', 'examples/read-config.ts', ...args], {
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
