/**
 * A commit whose reply is lost: the operator reaches etcd through a proxy that forwards its requests
 * and drops every answer while a new generation is committed, so the transaction applies and the
 * operator only sees its deadline pass (outcome unknown). Once answers flow again, the one right
 * outcome: the write is in etcd exactly once (no re-send, no second write of the same generation),
 * and the entry is Ready at the revision of that one write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { uniqueName } from '../../support/cluster.ts';
import { Entries, conditionOf } from '../../support/entries.ts';
import { eventually } from '../../support/fixture.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader, startOwnStore } from '../../support/store.ts';
import { TcpProxy } from '../etcd/tcp-proxy.ts';

const OUTCOME_UNKNOWN = 'cairn_etcd_txn_total{result="outcome_unknown"}';

describe('a commit whose reply was lost', () => {
  const namespace = uniqueName('lost-reply');
  const prefix = `/${uniqueName('lost-reply')}`;
  const entries = new Entries(namespace);
  let ownStore: Awaited<ReturnType<typeof startOwnStore>>;
  let store: StoreReader;
  let proxy: TcpProxy;
  let operator: RunningOperator;

  beforeAll(async () => {
    await entries.createNamespace();
    ownStore = await startOwnStore('lost-reply');
    store = new StoreReader(ownStore.endpoints);
    proxy = await TcpProxy.start(ownStore.endpoints[0] as string);
    operator = await startOperator({ namespace, prefix, storeEndpoints: [proxy.url], args: ['--etcd-timeout-ms=1000'] });
  });
  afterAll(async () => {
    await operator?.stop();
    await proxy?.stop();
    await entries.deleteNamespace();
    store?.close();
    await ownStore?.stop();
  });

  it('is applied exactly once, and the entry is Ready at the revision of that write', async () => {
    const data = structuredClone(lookupSchema('rate-limits@v1')?.example) as { routes: { burst: number }[] };
    await entries.create('limits', { schema: 'rate-limits@v1', data });
    const first = await entries.waitReady('limits');
    const dataKey = first.status?.key ?? '';

    proxy.loseReplies();
    (data.routes[0] as { burst: number }).burst += 1;
    const updated = await entries.patchSpec('limits', { data });
    // The transaction reached etcd (read directly, not through the proxy) ...
    const written = await eventually('the new value in etcd', async () => {
      const kv = (await store.client.get(dataKey).exec()).kvs[0];
      return kv !== undefined && kv.mod_revision !== first.status?.revision ? kv : undefined;
    });
    // ... and the operator never heard back.
    await eventually('the commit reported outcome-unknown', async () => ((await operator.metric(OUTCOME_UNKNOWN)) >= 1 ? true : undefined));
    proxy.heal();

    const ready = await entries.waitFor('limits', 'Ready at the new generation', (e) => conditionOf(e, 'Ready')?.status === 'True' && e.status?.observedGeneration === updated.metadata.generation, 30_000);
    const [kv] = (await store.client.get(dataKey).exec()).kvs;
    // etcd's version counts writes since the key's creation: the first commit and this one, no more.
    expect(kv?.version).toBe('2');
    expect(kv?.mod_revision).toBe(written.mod_revision);
    expect(ready.status?.revision).toBe(written.mod_revision);
    expect(JSON.parse(kv?.value.toString() ?? '{}')).toMatchObject({ routes: [{ burst: (data.routes[0] as { burst: number }).burst }, {}] });
  });
});
