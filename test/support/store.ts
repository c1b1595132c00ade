/** Direct, linearizable reads of the shared store etcd: what a plain etcd client would see. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { EtcdCluster } from '../../tools/controlplane/etcd-cluster.ts';
import { controlPlane } from './cluster.ts';

export interface StoredValue {
  readonly value: string;
  readonly modRevision: string;
}

export class StoreReader {
  readonly client: Etcd3;

  /** Reads the shared store, or the etcd at `endpoints`. */
  constructor(endpoints: readonly string[] = controlPlane().storeEndpoints) {
    this.client = new Etcd3({ hosts: [...endpoints] });
  }

  /** The key's value and mod_revision, or undefined when absent (a linearizable read). */
  async get(key: string): Promise<StoredValue | undefined> {
    const response = await this.client.get(key).exec();
    const kv = response.kvs[0];
    return kv === undefined ? undefined : { value: kv.value.toString(), modRevision: kv.mod_revision };
  }

  /** The store's current revision. */
  async revision(): Promise<string> {
    const response = await this.client.get('/').exec();
    return response.header.revision;
  }

  async put(key: string, value: string): Promise<void> {
    await this.client.put(key).value(value);
  }

  async delete(key: string): Promise<void> {
    await this.client.delete().key(key);
  }

  close(): void {
    this.client.close();
  }
}

/**
 * An etcd of the test's own, for tests that assert on the store's global revision (the shared
 * store's revision moves with every other test file running in parallel).
 */
export async function startOwnStore(name: string): Promise<{ endpoints: readonly string[]; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-store-'));
  const cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name, members: 1, pidFile: join(dir, 'pids') });
  return {
    endpoints: cluster.endpoints,
    stop: async () => {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
