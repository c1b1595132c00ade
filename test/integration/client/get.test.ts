/**
 * The reader's get against the real control plane: entries committed by the operator (an embedded
 * schema, and a declared one published by the schema controller), read back typed and checked; the
 * typed errors for a key without a value, a value of another schema, and a value edited in etcd behind
 * Cairn's back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, database, declaredSchema, featureFlags, IntegrityError, NotFoundError, SchemaMismatchError, type Client } from '../../../src/client/index.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { eventually, withOperator } from '../../support/fixture.ts';
import { apply, conditionOfSchema, configSchema, getSchema, kubectl, PAYMENTS } from '../config-schema/support.ts';

interface Payments {
  currency: 'EUR' | 'USD';
  retries: number;
}

describe('get against entries the operator committed', () => {
  const f = withOperator('reader-get', [`--schema-engine-file=${validatorWasmPath()}`]);
  const schemaName = uniqueName('payments');
  let client: Client;

  beforeAll(() => {
    client = createClient({ endpoints: controlPlane().storeEndpoints, prefix: f.prefix });
  });
  afterAll(async () => {
    await client.close();
    kubectl(['delete', 'configschema', schemaName, '--wait=false']);
  });

  it('reads an embedded schema’s value typed, at the revision and hash the entry reported Ready with', async () => {
    await f.entries.create('db', { schema: 'database@v1', key: 'checkout/db', data: { host: 'db.shop.svc', database: 'checkout', user: 'app', pool: { max: 20 } } });
    const ready = await f.entries.waitReady('db');
    const entry = await client.get(f.namespace, 'checkout/db', { schema: database, atLeast: ready.status?.revision });
    const max: number = entry.value.pool.max; // typed by the zod schema's output
    expect(max).toBe(20);
    expect(entry.value.port).toBe(5432); // the default the operator applied
    expect(entry).toMatchObject({ namespace: f.namespace, key: 'checkout/db', revision: ready.status?.revision, dataHash: ready.status?.dataHash, schema: 'database@v1', generation: 1 });
  });

  it('reads a declared schema’s value, checked against the version published in etcd, typed by its guard', async () => {
    expect(apply(configSchema(schemaName, [{ name: 'v1', openAPIV3Schema: PAYMENTS }])).stderr).toBe('');
    await eventually('the ConfigSchema Ready', async () => (conditionOfSchema(getSchema(schemaName), 'Ready')?.status === 'True' ? true : undefined), 30_000);
    await f.entries.create('pay', { schema: `${schemaName}@v1`, data: { currency: 'EUR' } });
    const ready = await f.entries.waitReady('pay');
    const payments = declaredSchema<Payments>(`${schemaName}@v1`, (await client.publishedSchema(`${schemaName}@v1`)).openAPIV3Schema);
    const entry = await client.get(f.namespace, 'pay', { schema: payments });
    const retries: number = entry.value.retries;
    expect(retries).toBe(3);
    expect(entry).toMatchObject({ value: { currency: 'EUR', retries: 3 }, revision: ready.status?.revision, schema: `${schemaName}@v1` });
    // Without an expected schema the value is still checked against the published version.
    expect((await client.get(f.namespace, 'pay')).value).toEqual({ currency: 'EUR', retries: 3 });
  });

  it('throws NotFoundError for a key without a value', async () => {
    const error = await client.get(f.namespace, 'nothing/here').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe('NotFound');
  });

  it('throws SchemaMismatchError when the value was committed with another schema than the one expected', async () => {
    const error = await client.get(f.namespace, 'checkout/db', { schema: featureFlags }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaMismatchError);
    expect((error as Error).message).toContain('holds a value of database@v1, not feature-flags@v1');
  });

  it('throws IntegrityError for a value edited in etcd behind Cairn’s back (drift reported, not corrected)', async () => {
    await f.entries.create('edited', { schema: 'database@v1', data: { host: 'a.svc', database: 'd', user: 'u' }, driftPolicy: 'Report' });
    const ready = await f.entries.waitReady('edited');
    const dataKey = `${f.prefix}/data/${f.namespace}/edited`;
    const committed = await f.store.get(dataKey);
    await f.store.put(dataKey, (committed?.value ?? '').replace('a.svc', 'evil.svc'));
    const error = await client.get(f.namespace, 'edited').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain(`committed ${ready.status?.dataHash}`);
  });
});
