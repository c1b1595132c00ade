/** Direct, linearizable reads of the shared store etcd: what a plain etcd client would see. */
import { Etcd3 } from 'etcd3';
import { controlPlane } from './cluster.ts';

export interface StoredValue {
  readonly value: string;
  readonly modRevision: string;
}

export class StoreReader {
  readonly client = new Etcd3({ hosts: [...controlPlane().storeEndpoints] });

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
