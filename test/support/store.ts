/** Direct, linearizable reads of the shared store etcd: what a plain etcd client would see. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3, Range } from 'etcd3';
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

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * An etcd of the test's own with authentication enabled, as an installation that guards its store
 * runs it: `root` (every permission), `reader` (a role granting read on `prefix/` only) and `nobody`
 * (a user with no role). `root` is an etcd client logged in as root, to write what readers read.
 */
export async function startAuthStore(name: string, prefix: string): Promise<{ endpoints: readonly string[]; root: Etcd3; users: Record<'root' | 'reader' | 'nobody', Credentials>; stop: () => Promise<void> }> {
  const store = await startOwnStore(name);
  const users = {
    root: { username: 'root', password: 'root-secret' },
    reader: { username: 'reader', password: 'reader-secret' },
    nobody: { username: 'nobody', password: 'nobody-secret' },
  };
  const setup = new Etcd3({ hosts: [...store.endpoints] });
  try {
    await setup.role('root').create();
    await setup.user('root').create(users.root.password);
    await setup.user('root').addRole('root');
    await setup.role('reader').create();
    await setup.role('reader').grant({ permission: 'Read', range: Range.prefix(`${prefix}/`) });
    await setup.user('reader').create(users.reader.password);
    await setup.user('reader').addRole('reader');
    await setup.user('nobody').create(users.nobody.password);
    await setup.auth.authEnable();
  } finally {
    setup.close();
  }
  const root = new Etcd3({ hosts: [...store.endpoints], auth: users.root });
  return {
    endpoints: store.endpoints,
    root,
    users,
    stop: async () => {
      root.close();
      await store.stop();
    },
  };
}
