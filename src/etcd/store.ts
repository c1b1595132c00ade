/**
 * The Store port (controller/ports.ts) over a real etcd, through etcd3's raw KV client so that
 * compares, else-branches and header revisions are exactly what etcd returns. The store does not own
 * the client: whoever created it (main.ts) closes it.
 */
import type { Etcd3, IRangeResponse } from 'etcd3';
import type { ObservedKeySet, Store, StoredKeyValue } from '../controller/ports.ts';
import type { FenceAcquisition, GuardedTxn, KeyState, ObservedKeys, TxnResult } from '../domain/types.ts';
import { etcdCall, translateEtcdError } from './translate-error.ts';
import { keyStateOfRange, prefixRangeEnd, readKey, toEtcdTxn, toTxnResult } from './txn-request.ts';

/** What P/fence holds: who took over, and when (provenance only; only its mod_revision is compared). */
export interface FenceRecord {
  readonly holder: string;
  readonly acquiredAt: string;
}

export interface EtcdStoreOptions {
  /** Most keys per page of a prefix read (a page that would pass gRPC's receive limit is split). */
  readonly pageSize?: number;
}

/** Keys per page: small values fill few MiB; pages of large values are halved until they fit. */
export const DEFAULT_PAGE_SIZE = 500;

/**
 * grpc-js refused a response over its receive limit (4 MiB by default; Cairn does not lift it). The
 * request was a read, so asking again for fewer keys is safe.
 */
function overReceiveLimit(error: unknown): boolean {
  return String(error instanceof Error ? error.message : error).includes('larger than max');
}

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly pageSize: number;

  constructor(client: Etcd3, options: EtcdStoreOptions = {}) {
    this.client = client;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new RangeError(`EtcdStore: pageSize must be a positive integer, not ${this.pageSize}`);
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

  async readKeys(keys: readonly string[]): Promise<ObservedKeySet> {
    const response = await etcdCall(`read ${keys.length} keys`, 'read', () => this.client.kv.txn({ compare: [], success: keys.map(readKey), failure: [] }));
    const states: Record<string, KeyState> = {};
    keys.forEach((key, i) => {
      states[key] = keyStateOfRange(response.responses[i]?.response_range);
    });
    return { keys: states, revision: response.header.revision };
  }

  async commit(txn: GuardedTxn): Promise<TxnResult> {
    const response = await etcdCall('commit', 'write', () => this.client.kv.txn(toEtcdTxn(txn)));
    return toTxnResult(txn, response);
  }

  async acquireFence(fenceKey: string, holder: string, seen: string): Promise<FenceAcquisition> {
    const record: FenceRecord = { holder, acquiredAt: new Date().toISOString() };
    // Conditional on the fence the caller last saw: a put that reaches etcd after someone else fenced
    // (a delayed request of an abandoned takeover) moves nothing; the caller retries with the answer.
    const result = await this.commit({
      compares: [seen === '0' ? { kind: 'absent', key: fenceKey } : { kind: 'modRevision', key: fenceKey, equals: seen }],
      operations: [{ kind: 'put', key: fenceKey, value: JSON.stringify(record) }],
      readBackOnFailure: [fenceKey],
    });
    if (result.succeeded) return { acquired: true, fence: { key: fenceKey, revision: result.revision } };
    const now = result.readBack[fenceKey];
    return { acquired: false, current: now?.exists ? now.modRevision : '0' };
  }

  async revision(): Promise<string> {
    const response = await etcdCall('read revision', 'read', () =>
      this.client.kv.range({ key: Buffer.from([0]), count_only: true, limit: 1 }),
    );
    return response.header.revision;
  }

  /**
   * Visits every key under `prefix` in key order, all pages read at one revision: `atRevision` when
   * given (a reader joining two prefixes at one revision), else the first page's. Returns it.
   */
  async scanPrefix(prefix: string, visit: (kv: StoredKeyValue) => void, atRevision?: string): Promise<string> {
    const rangeEnd = prefixRangeEnd(prefix);
    let from = Buffer.from(prefix, 'utf8');
    let revision: string | undefined = atRevision;
    let limit = this.pageSize;
    for (;;) {
      const page = await this.page(prefix, from, rangeEnd, limit, revision);
      if (page === 'tooLarge') {
        limit = Math.max(1, Math.floor(limit / 2));
        continue;
      }
      revision ??= page.header.revision;
      for (const kv of page.kvs) {
        visit({ key: kv.key.toString('utf8'), value: kv.value.toString('utf8'), modRevision: kv.mod_revision, createRevision: kv.create_revision });
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || last === undefined) return revision;
      from = Buffer.concat([last.key, Buffer.from([0])]); // the next key after the last one read
      limit = Math.min(this.pageSize, limit * 2);
    }
  }

  /** One page: up to `limit` keys from `from`, at `revision` (the first page: now). */
  private async page(prefix: string, from: Buffer, rangeEnd: Buffer, limit: number, revision: string | undefined): Promise<IRangeResponse | 'tooLarge'> {
    try {
      return await this.client.kv.range({ key: from, range_end: rangeEnd, limit, ...(revision === undefined ? {} : { revision }) });
    } catch (error) {
      if (limit > 1 && overReceiveLimit(error)) return 'tooLarge';
      throw translateEtcdError(error, `read prefix ${prefix}`, 'read');
    }
  }
}
