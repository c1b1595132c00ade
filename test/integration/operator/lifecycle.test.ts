/**
 * apply -> Ready -> update -> delete, on the real apiserver and etcd, with the operator running as a
 * user runs it. Each assertion is about what etcd holds, read linearizably, not what status claims.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256 } from '../../../src/domain/canonical.ts';
import { controlPlane } from '../../support/cluster.ts';
import { conditionOf } from '../../support/entries.ts';
import { withOperator } from '../../support/fixture.ts';

const database = { host: 'db.shop.svc', port: 5432, database: 'checkout', user: 'app', pool: { min: 2, max: 20 } };

describe('an entry from apply to deletion', () => {
  const f = withOperator('life');
  const { namespace, prefix, entries, store } = f;


  it('commits the canonical JSON of the validated value and reports the data key mod_revision as status.revision', async () => {
    await entries.create('checkout-db', { schema: 'database@v1', key: 'checkout/db', data: database });
    const ready = await entries.waitReady('checkout-db');
    const dataKey = `${prefix}/data/${namespace}/checkout/db`;
    const stored = await store.get(dataKey);
    expect(stored).toBeDefined();
    expect(ready.status?.key).toBe(dataKey);
    expect(ready.status?.revision).toBe(stored?.modRevision);
    // Defaults applied, keys sorted, no whitespace: exactly the canonical JSON of the parsed value.
    const value = JSON.parse(stored?.value ?? '{}') as Record<string, unknown>;
    expect(stored?.value).toBe(canonicalJson(value));
    expect(value).toMatchObject({ ...database, sslMode: expect.any(String) });
    expect(ready.status?.dataHash).toBe(sha256(stored?.value ?? ''));
    expect(ready.metadata.finalizers).toContain('cairn.dev/finalizer');

    const meta = JSON.parse((await store.get(`${prefix}/meta/${namespace}/checkout/db`))?.value ?? '{}') as Record<string, unknown>;
    expect(meta).toMatchObject({ uid: ready.metadata.uid, name: 'checkout-db', namespace, generation: 1, schema: 'database@v1', dataHash: ready.status?.dataHash });
  });

  it('lets `kubectl wait --for=condition=Ready` succeed', () => {
    const cp = controlPlane();
    const out = execFileSync(cp.kubectl, ['--kubeconfig', cp.kubeconfig, 'wait', '--for=condition=Ready', '-n', namespace, 'ce/checkout-db', '--timeout=20s'], { encoding: 'utf8' });
    expect(out).toContain('condition met');
  });

  it('commits an update at a new revision and leaves nothing of the old value', async () => {
    const before = await entries.get('checkout-db');
    await entries.patchSpec('checkout-db', { data: { ...database, port: 6432 } });
    const after = await entries.waitReady('checkout-db');
    expect(after.metadata.generation).toBe(2);
    expect(BigInt(after.status?.revision ?? '0')).toBeGreaterThan(BigInt(before.status?.revision ?? '0'));
    const stored = await store.get(`${prefix}/data/${namespace}/checkout/db`);
    expect(stored?.modRevision).toBe(after.status?.revision);
    expect(JSON.parse(stored?.value ?? '{}')).toMatchObject({ port: 6432 });
    expect(conditionOf(after, 'Ready')?.reason).toBe('Committed');
  });

  it('deletes data and meta in one transaction under deletionPolicy Delete', async () => {
    const dataKey = `${prefix}/data/${namespace}/checkout/db`;
    const metaKey = `${prefix}/meta/${namespace}/checkout/db`;
    await entries.delete('checkout-db');
    await entries.waitGone('checkout-db');
    expect(await store.get(dataKey)).toBeUndefined();
    expect(await store.get(metaKey)).toBeUndefined();
  });

  it('keeps the value and releases ownership under deletionPolicy Retain', async () => {
    await entries.create('kept', { schema: 'database@v1', data: database, deletionPolicy: 'Retain' });
    const ready = await entries.waitReady('kept');
    await entries.delete('kept');
    await entries.waitGone('kept');
    const stored = await store.get(`${prefix}/data/${namespace}/kept`);
    expect(stored?.modRevision).toBe(ready.status?.revision); // untouched
    expect(await store.get(`${prefix}/meta/${namespace}/kept`)).toBeUndefined();
  });
});
