/**
 * `cairn` against an etcd with authentication enabled: a caller etcd refuses ends with exit 5 and a
 * line saying so (PermissionDenied), never exit 3 (unavailable), for get, watch and diff; doctor's
 * etcd line says what to fix. The same command as a user whose role grants the prefix reads the value.
 * And the apiserver's refusal: `validate --cluster` as an identity no RBAC binds is exit 5 too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintUser } from '../../../tools/controlplane/mint-user.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';
import { type Credentials, startAuthStore } from '../../support/store.ts';
import { commitDirectly } from '../client/commits.ts';
import { runCairn } from './run-cairn.ts';

const prefix = '/guarded';
const ns = 'shop';
let store: Awaited<ReturnType<typeof startAuthStore>>;

beforeAll(async () => {
  store = await startAuthStore('cli-auth', prefix);
  await commitDirectly(store.root, prefix, ns, 'checkout/db', 'database@v1', databaseDefinition.schema.parse(databaseDefinition.example));
});
afterAll(async () => {
  await store.stop();
});

/** The settings of a user of the guarded etcd (and of the shared apiserver, for diff and doctor). */
function envAs(user: Credentials): NodeJS.ProcessEnv {
  return {
    KUBECONFIG: controlPlane().kubeconfig,
    CAIRN_ETCD_ENDPOINTS: store.endpoints.join(','),
    CAIRN_ETCD_USERNAME: user.username,
    CAIRN_ETCD_PASSWORD: user.password,
    CAIRN_PREFIX: prefix,
    CAIRN_ETCD_TIMEOUT_MS: '2000',
  };
}

describe('cairn on an etcd with auth enabled', () => {
  it('get as a user whose role grants read on the prefix: the value, exit 0', async () => {
    const run = await runCairn(['get', `${ns}/checkout/db`, '-o', 'json'], { env: envAs(store.users.reader) });
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toMatchObject({ key: 'checkout/db', schema: 'database@v1' });
  });

  it.each([
    ['a user without a role', () => store.users.nobody, /^cairn: PermissionDenied: .*etcdserver: permission denied/],
    ['a wrong password', () => ({ username: 'reader', password: 'wrong' }), /^cairn: PermissionDenied: .*etcdserver: authentication failed/],
  ])('get as %s: exit 5, PermissionDenied on stderr', async (_name, user, said) => {
    const run = await runCairn(['get', `${ns}/checkout/db`], { env: envAs(user()) });
    expect([run.code, run.stdout]).toEqual([5, '']);
    expect(run.stderr).toMatch(said);
  });

  it.each([
    ['from the current state', []],
    ['after a revision', ['--after-revision', '1']],
  ])('watch %s as a user without a role ends by itself with exit 5', async (_name, flags) => {
    const run = await runCairn(['watch', ns, '-o', 'json', ...flags], { env: envAs(store.users.nobody) });
    expect([run.code, run.stdout]).toEqual([5, '']);
    expect(run.stderr).toMatch(/^cairn: PermissionDenied: .*etcdserver: permission denied/);
  });

  it('diff as a user without a role: exit 5 naming the etcd endpoints', async () => {
    const run = await runCairn(['diff', uniqueName('nothing-declared')], { env: envAs(store.users.nobody) });
    expect([run.code, run.stdout]).toEqual([5, '']);
    expect(run.stderr).toMatch(new RegExp(`^cairn: PermissionDenied: etcd at ${store.endpoints[0]}.*etcdserver: permission denied`));
  });

  it('doctor as a user without a role: its etcd line names the refusal and the roles to check', async () => {
    const run = await runCairn(['doctor', '-o', 'json'], { env: envAs(store.users.nobody) });
    const etcd = (JSON.parse(run.stdout) as { name: string; verdict: string; found: string; fix?: string }[]).find((c) => c.name === 'etcd');
    expect(etcd).toMatchObject({ verdict: 'problem', found: expect.stringContaining('permission denied'), fix: expect.stringContaining(`read on ${prefix}/`) });
    expect(run.code).toBe(1);
  });

  it('validate --cluster as an identity that may not list ConfigSchemas: exit 5 naming the list and the 403', async () => {
    const kubeconfig = await mintUser(controlPlane(), uniqueName('cli-no-rbac'));
    const run = await runCairn(['validate', '--cluster', '-f', join(import.meta.dirname, '../../../deploy/samples/database.yaml')], { env: { KUBECONFIG: kubeconfig, CAIRN_SCHEMA_ENGINE_FILE: validatorWasmPath() } });
    expect([run.code, run.stdout]).toEqual([5, '']);
    expect(run.stderr).toMatch(/^cairn: listing ConfigSchemas was refused \(HTTP 403\): configschemas\.cairn\.dev is forbidden/);
  });
});
