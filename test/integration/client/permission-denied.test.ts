/**
 * The reader against an etcd with authentication enabled: a caller etcd refuses (a user without a
 * role, a wrong password, no credentials) gets PermissionDeniedError, told apart from an etcd that is
 * not there (UnavailableError), from get, list and watch; the same settings with a user whose role
 * grants read on the prefix read the value (so the refusals are etcd's verdict on the caller).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, database, PermissionDeniedError, type ReadError, UnavailableError } from '../../../src/client/index.ts';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';
import { eventually } from '../../support/fixture.ts';
import { type Credentials, startAuthStore } from '../../support/store.ts';
import { commitDirectly } from './commits.ts';

const prefix = '/guarded';
const ns = 'shop';
let store: Awaited<ReturnType<typeof startAuthStore>>;
let revision: string;
const stored = databaseDefinition.schema.parse(databaseDefinition.example);

beforeAll(async () => {
  store = await startAuthStore('reader-auth', prefix);
  revision = await commitDirectly(store.root, prefix, ns, 'checkout/db', 'database@v1', stored);
});
afterAll(async () => {
  await store.stop();
});

/** A client as `user` (no credentials when undefined), closed after `use`. */
async function asUser<T>(user: Credentials | undefined, use: (client: ReturnType<typeof createClient>) => Promise<T>, endpoints = store.endpoints): Promise<T> {
  const client = createClient({ endpoints, prefix, requestTimeoutMs: 2_000, ...(user === undefined ? {} : { auth: user }) });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('the reader on an etcd with auth enabled', () => {
  it('reads the value as a user whose role grants read on the prefix', async () => {
    const entry = await asUser(store.users.reader, (c) => c.get(ns, 'checkout/db', { schema: database }));
    expect([entry.revision, entry.value.port]).toEqual([revision, stored.port]);
  });

  it.each([
    ['a user without a role', () => store.users.nobody, 'etcdserver: permission denied'],
    ['a wrong password', () => ({ username: 'reader', password: 'wrong' }), 'etcdserver: authentication failed'],
    ['no credentials', () => undefined, 'etcdserver: user name is empty'],
  ])('get as %s: PermissionDeniedError, not UnavailableError', async (_name, user, said) => {
    const error = await asUser(user(), (c) => c.get(ns, 'checkout/db')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as ReadError).code).toBe('PermissionDenied');
    expect((error as Error).message).toContain(said);
  });

  it('list as a user without a role: PermissionDeniedError', async () => {
    const error = await asUser(store.users.nobody, (c) => c.list(ns)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
  });

  it('an etcd that is not there is still UnavailableError, with the same credentials', async () => {
    const error = await asUser(store.users.reader, (c) => c.get(ns, 'checkout/db'), ['http://127.0.0.1:1']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
  });

  it.each([
    ['from the current state (its first read is refused)', undefined],
    ['after a revision (its watch request is refused: etcd cancels the watch)', '1'],
  ])('a watch %s tells onError of PermissionDeniedError, and yields nothing', async (_name, afterRevision) => {
    const errors: ReadError[] = [];
    const yielded: unknown[] = [];
    await asUser(store.users.nobody, async (c) => {
      const watch = c.watch(ns, { onError: (e) => errors.push(e), ...(afterRevision === undefined ? {} : { afterRevision }) });
      const consumed = (async () => {
        for await (const change of watch) yielded.push(change);
      })();
      await eventually('a PermissionDeniedError', async () => (errors.some((e) => e instanceof PermissionDeniedError) ? true : undefined));
      await watch.close();
      await consumed;
    });
    expect(yielded).toEqual([]);
    expect(errors.filter((e) => !(e instanceof PermissionDeniedError)).map((e) => e.message)).toEqual([]);
  });
});
