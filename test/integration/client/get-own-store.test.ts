/**
 * The reader's get on an etcd of its own (the test decides every revision): read-your-commit with
 * `atLeast` racing a commit, TimeoutError for a revision the store never reaches, serializable reads,
 * and UnavailableError once etcd is down.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, database, type Client, TimeoutError, UnavailableError } from '../../../src/client/index.ts';
import { database as databaseDefinition } from '../../../src/schemas/database.ts';
import { startOwnStore } from '../../support/store.ts';
import { commitDirectly } from './commits.ts';

const prefix = '/reader';
const ns = 'shop';
let store: Awaited<ReturnType<typeof startOwnStore>>;
let writer: Etcd3;
let client: Client;
const stored = databaseDefinition.schema.parse(databaseDefinition.example);

beforeAll(async () => {
  store = await startOwnStore('reader-get');
  writer = new Etcd3({ hosts: [...store.endpoints] });
  client = createClient({ endpoints: store.endpoints, prefix, requestTimeoutMs: 2_000 });
});
afterAll(async () => {
  await client.close();
  writer.close();
  await store.stop();
});

describe('get on its own etcd', () => {
  it('with atLeast racing a commit: waits for the revision and returns the value committed there, not the older one', async () => {
    await commitDirectly(writer, prefix, ns, 'race', 'database@v1', { ...stored, port: 1111 }, 1);
    const before = (await writer.get('/').exec()).header.revision;
    const next = (BigInt(before) + 1n).toString();
    const read = client.get(ns, 'race', { schema: database, atLeast: next, timeoutMs: 20_000 });
    const settled = { done: false };
    void read.finally(() => (settled.done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled.done).toBe(false); // nothing committed at `next` yet: still waiting
    const committed = await commitDirectly(writer, prefix, ns, 'race', 'database@v1', { ...stored, port: 2222 }, 2);
    expect(committed).toBe(next);
    const entry = await read;
    expect(entry.value.port).toBe(2222);
    expect(entry.revision).toBe(committed);
    expect(entry.generation).toBe(2);
  });

  it('with atLeast beyond what the store reaches: TimeoutError after the timeout', async () => {
    await commitDirectly(writer, prefix, ns, 'later', 'database@v1', stored);
    const now = (await writer.get('/').exec()).header.revision;
    const error = await client.get(ns, 'later', { atLeast: BigInt(now) + 1000n, timeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('Timeout');
    expect((error as Error).message).toContain(`revision ${BigInt(now) + 1000n}`);
  });

  it('serves a serializable read (the member’s local state) with the committed value', async () => {
    const revision = await commitDirectly(writer, prefix, ns, 'local', 'database@v1', { ...stored, port: 3333 });
    const entry = await client.get(ns, 'local', { consistency: 'serializable', atLeast: revision });
    expect(entry).toMatchObject({ value: { port: 3333 }, revision, schema: 'database@v1' });
  });

  it('throws UnavailableError, with the library failure as cause, once etcd is down', async () => {
    await commitDirectly(writer, prefix, ns, 'down', 'database@v1', stored);
    await client.get(ns, 'down');
    await store.stop();
    const error = await client.get(ns, 'down').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
