/**
 * ConfigStore over a real etcd, through etcd3's raw KV client so that compares, else-branches and
 * header revisions are exactly what etcd returns. The store does not own the client: whoever created
 * it (main.ts) closes it.
 */
import type { Etcd3 } from 'etcd3';
import type { Fence, GuardedTxn, ObservedKeys, TxnResult } from '../domain/types.ts';
import type { ConfigStore, PrefixSnapshot } from './config-store.ts';
import { etcdCall } from './translate-error.ts';
import { keyStateOfRange, prefixRangeEnd, readKey, toEtcdTxn, toTxnResult } from './txn-request.ts';

/** What P/fence holds: who took over, and when (provenance only; only its mod_revision is compared). */
export interface FenceRecord {
  readonly holder: string;
  readonly acquiredAt: string;
}

export class EtcdStore implements ConfigStore {
  private readonly client: Etcd3;

  constructor(client: Etcd3) {
    this.client = client;
  }

  async read(dataKey: string, metaKey: string): Promise<ObservedKeys> {
    // A transaction of ranges only is served as one linearizable read at one revision.
    const response = await etcdCall(`read ${dataKey}`, 'read', () =>
      this.client.kv.txn({ compare: [], success: [readKey(dataKey), readKey(metaKey)], failure: [] }),
    );
    return {
      data: keyStateOfRange(response.responses[0]?.response_range),
      meta: keyStateOfRange(response.responses[1]?.response_range),
      revision: response.header.revision,
    };
  }

  async commit(txn: GuardedTxn): Promise<TxnResult> {
    const response = await etcdCall('commit', 'write', () => this.client.kv.txn(toEtcdTxn(txn)));
    return toTxnResult(txn, response);
  }

  async acquireFence(fenceKey: string, holder: string): Promise<Fence> {
    const record: FenceRecord = { holder, acquiredAt: new Date().toISOString() };
    // Unconditional: taking over must always move the fence, whatever the previous leader wrote.
    const result = await this.commit({
      compares: [],
      operations: [{ kind: 'put', key: fenceKey, value: JSON.stringify(record) }],
      readBackOnFailure: [],
    });
    return { key: fenceKey, revision: result.revision };
  }

  async revision(): Promise<string> {
    const response = await etcdCall('read revision', 'read', () =>
      this.client.kv.range({ key: Buffer.from([0]), count_only: true, limit: 1 }),
    );
    return response.header.revision;
  }

  async rangePrefix(prefix: string): Promise<PrefixSnapshot> {
    const response = await etcdCall(`read prefix ${prefix}`, 'read', () =>
      this.client.kv.range({ key: Buffer.from(prefix, 'utf8'), range_end: prefixRangeEnd(prefix) }),
    );
    return {
      revision: response.header.revision,
      kvs: response.kvs.map((kv) => ({
        key: kv.key.toString('utf8'),
        value: kv.value.toString('utf8'),
        modRevision: kv.mod_revision,
        createRevision: kv.create_revision,
      })),
    };
  }
}
