/**
 * A restart costs reads, not writes: an operator restarted (gracefully, or after a crash) over
 * committed entries re-confirms every one of them without a single new etcd revision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader, startOwnStore } from '../../support/store.ts';
import { eventually } from '../../support/fixture.ts';

const COUNT = 20;
const SUCCESS = 'controller_runtime_reconcile_total{controller="configentry",result="success"}';


describe('an operator restarted over committed entries', () => {
  const namespace = uniqueName('restart');
  const prefix = `/${uniqueName('restart')}`;
  const entries = new Entries(namespace);
  let ownStore: Awaited<ReturnType<typeof startOwnStore>>;
  let store: StoreReader;
  let operator: RunningOperator | undefined;

  beforeAll(async () => {
    await entries.createNamespace();
    ownStore = await startOwnStore('restart');
    store = new StoreReader(ownStore.endpoints);
    operator = await startOperator({ namespace, prefix, storeEndpoints: ownStore.endpoints });
    const data = lookupSchema('service-endpoints@v1')?.example as Record<string, unknown>;
    await Promise.all(Array.from({ length: COUNT }, (_, i) => entries.create(`svc-${i}`, { schema: 'service-endpoints@v1', data })));
    await Promise.all(Array.from({ length: COUNT }, (_, i) => entries.waitReady(`svc-${i}`)));
  });
  afterAll(async () => {
    await operator?.stop();
    await entries.deleteNamespace();
    store?.close();
    await ownStore?.stop();
  });

  it.each([
    ['a graceful stop', (op: RunningOperator) => op.stop()],
    ['a crash (SIGKILL)', (op: RunningOperator) => op.kill()],
  ])('re-confirms every entry after %s without any etcd write', async (_, stop) => {
    await stop(operator as RunningOperator);
    const before = await store.revision();
    operator = await startOperator({ namespace, prefix, storeEndpoints: ownStore.endpoints });
    const current = operator;
    // Every entry is reconciled on takeover; wait until each one has been.
    await eventually('every entry re-confirmed', async () => ((await current.metric(SUCCESS)) >= COUNT ? true : undefined));
    expect(await current.metric('cairn_etcd_txn_total{result="unchanged"}')).toBeGreaterThanOrEqual(COUNT);
    expect(await current.metric('cairn_etcd_txn_total{result="committed"}')).toBe(0);
    // The fence takeover is the one write a new leader makes; nothing else moved the store.
    expect(BigInt(await store.revision()) - BigInt(before)).toBe(1n);
    for (let i = 0; i < COUNT; i++) {
      const entry = await entries.get(`svc-${i}`);
      expect((await store.get(entry.status?.key ?? ''))?.modRevision).toBe(entry.status?.revision);
    }
  });
});
