/**
 * EtcdStore when its etcd is hung (SIGSTOP) or gone (SIGKILL), on an etcd of its own: every call
 * fails within its deadline with Cairn's error types, reads as unavailable, a write that was sent as
 * outcome-unknown; and the store works again once etcd is back. A write whose reply is lost (a proxy
 * that forwards the request and drops the answer) is outcome-unknown, and applied exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuardedTxn } from '../../../src/domain/types.ts';
import { createEtcdClient } from '../../../src/etcd/client.ts';
import { EtcdError, EtcdOutcomeUnknownError, EtcdUnavailableError } from '../../../src/etcd/errors.ts';
import { EtcdStore } from '../../../src/etcd/store.ts';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { controlPlane } from '../../support/cluster.ts';
import { TcpProxy } from './tcp-proxy.ts';

const TIMEOUT_MS = 1_000;
/** A call may take its deadline plus scheduling slack, never more. */
const BOUND_MS = TIMEOUT_MS + 1_500;

const dir = mkdtempSync(join(tmpdir(), 'cairn-etcd-down-'));
let cluster: EtcdCluster;
let client: Etcd3;
let store: EtcdStore;

beforeAll(async () => {
  cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'down', members: 1, pidFile: join(dir, 'pids') });
  client = createEtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: TIMEOUT_MS });
  store = new EtcdStore(client);
});
afterAll(async () => {
  client.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

const put = (key: string, value: string): GuardedTxn => ({ compares: [], operations: [{ kind: 'put', key, value }], readBackOnFailure: [] });

/** The error a call failed with, and how long it took. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('the call succeeded, but etcd is down');
}

async function storeServes(): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await store.revision();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('EtcdStore with its etcd down', () => {
  it('fails within the deadline while etcd is hung: reads unavailable, a sent write outcome-unknown', async () => {
    await store.commit(put('/hung/before', '1'));
    cluster.pause(0);
    try {
      const read = await failure(() => store.read('/hung/a', '/hung/b'));
      expect(read.error).toBeInstanceOf(EtcdUnavailableError);
      expect(read.ms).toBeLessThan(BOUND_MS);

      const write = await failure(() => store.commit(put('/hung/write', 'maybe')));
      expect(write.error).toBeInstanceOf(EtcdOutcomeUnknownError);
      expect(write.ms).toBeLessThan(BOUND_MS);

      for (const call of [() => store.revision(), () => store.scanPrefix('/hung/', () => {}), () => store.acquireFence('/hung/fence', 'x', '0')]) {
        const f = await failure(call);
        expect(f.error).toBeInstanceOf(EtcdError);
        expect((f.error as EtcdError).failureClass).toBe('transient');
        expect(f.ms).toBeLessThan(BOUND_MS);
      }
    } finally {
      cluster.resume(0);
    }
    await storeServes();
    // Whether the write sent to the hung etcd applied is up to etcd (it may read the request after
    // the client gave up on it); the next test makes the outcome certain and checks it.
    expect((await store.read('/hung/before', '/hung/none')).data).toMatchObject({ exists: true, value: '1' });
  });

  it('reports a commit whose reply was lost as outcome-unknown; a re-read finds it applied exactly once', async () => {
    const proxy = await TcpProxy.start(cluster.endpoints[0] as string);
    const lossyClient = createEtcdClient({ endpoints: [proxy.url], requestTimeoutMs: TIMEOUT_MS });
    const lossy = new EtcdStore(lossyClient);
    try {
      await lossy.revision(); // connected before the fault
      proxy.loseReplies();
      const write = await failure(() => lossy.commit(put('/lost/write', 'once')));
      expect(write.error).toBeInstanceOf(EtcdOutcomeUnknownError);
      proxy.heal();

      // The re-read the operator makes, through the same client once it reaches etcd again.
      const deadline = Date.now() + 20_000;
      let reread;
      while (reread === undefined) {
        reread = await lossy.read('/lost/write', '/lost/none').catch((error: unknown) => (Date.now() > deadline ? Promise.reject(error) : undefined));
        if (reread === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(reread.data).toMatchObject({ exists: true, value: 'once' });
      // etcd's version counts the writes to a key since its creation: one, nothing re-sent it.
      const [kv] = (await client.get('/lost/write').exec()).kvs;
      expect(kv?.version).toBe('1');
      expect(reread.data.exists && reread.data.modRevision).toBe(kv?.mod_revision);
    } finally {
      lossyClient.close();
      await proxy.stop();
    }
  });

  it('fails fast as unavailable while etcd is killed, and serves again after restart', async () => {
    await cluster.kill(0);
    try {
      const read = await failure(() => store.read('/killed/a', '/killed/b'));
      expect(read.error).toBeInstanceOf(EtcdUnavailableError);
      expect(read.ms).toBeLessThan(BOUND_MS);

      const write = await failure(() => store.commit(put('/killed/write', 'x')));
      // Nothing could be sent on a refused connection; a write that raced the kill is outcome-unknown.
      expect([EtcdUnavailableError, EtcdOutcomeUnknownError].some((c) => write.error instanceof c)).toBe(true);
      expect(write.ms).toBeLessThan(BOUND_MS);
    } finally {
      await cluster.restart(0);
    }
    await storeServes();
    const result = await store.commit(put('/killed/after', 'ok'));
    expect(result.succeeded).toBe(true);
  });
});
