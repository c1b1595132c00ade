/**
 * The informer's watch stream against the real apiserver: events, 410 for a stale version, silence;
 * and against a server that sends what the apiserver never should (a line that is not JSON), with a
 * handler that throws: both skipped and reported, the stream goes on.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../../src/api/names.ts';
import { PooledKubeConfig, loadKubeConfig } from '../../../src/kube/kube-config.ts';
import { type BadWatchEventError, watchStream } from '../../../src/kube/watch-stream.ts';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';

describe('watchStream', () => {
  const namespace = uniqueName('watch');
  const entries = new Entries(namespace);
  const kubeConfig = loadKubeConfig(controlPlane().kubeconfig);
  const path = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
  const data = lookupSchema('rate-limits@v1')?.example as Record<string, unknown>;

  beforeAll(() => entries.createNamespace());
  afterAll(async () => {
    await entries.deleteNamespace();
    await kubeConfig.close();
  });

  it('delivers events in order, each with its object', async () => {
    const seen: string[] = [];
    const onEvent = (type: string, object: unknown): number => seen.push(`${type} ${(object as { metadata: { name: string } }).metadata.name}`);
    const handle = await watchStream(kubeConfig, { path, query: {}, silenceMs: 30_000, onEvent, onDone: () => {}, onBadEvent: () => {} });
    try {
      await entries.create('w1', { schema: 'rate-limits@v1', data });
      await entries.create('w2', { schema: 'rate-limits@v1', data });
      const deadline = Date.now() + 10_000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['ADDED w1', 'ADDED w2']);
    } finally {
      handle.abort();
    }
  });

  it('reports a resourceVersion too old to watch from as 410 Gone', async () => {
    const gone = await new Promise<unknown>((resolve) => {
      const onEvent = (type: string, object: unknown): void => void (type === 'ERROR' && resolve(object));
      void watchStream(kubeConfig, { path, query: { resourceVersion: '1' }, silenceMs: 30_000, onEvent, onDone: resolve, onBadEvent: () => {} });
    });
    expect((gone as { code?: number }).code).toBe(410);
  });

  it('ends a silent stream with a TimeoutError (the watchdog)', async () => {
    const list = (await kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL })) as { metadata: { resourceVersion: string } };
    const started = Date.now();
    const error = await new Promise<unknown>((resolve) => {
      void watchStream(kubeConfig, { path, query: { resourceVersion: list.metadata.resourceVersion }, silenceMs: 300, onEvent: () => {}, onDone: resolve, onBadEvent: () => {} });
    });
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});

describe('watchStream on a server that sends a malformed line, with a handler that throws', () => {
  const event = (name: string): string => `${JSON.stringify({ type: 'ADDED', object: { metadata: { name } } })}\n`;
  /** Lines as a misbehaving server sends them: one that is not JSON, one split across two writes. */
  const body = [event('a'), '{"type":"ADDED","object":{"metadata"\n', event('b'), event('c').slice(0, 10), event('c').slice(10), 'null\n', event('d')];
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const writes = [...body];
    const next = (): void => {
      const chunk = writes.shift();
      if (chunk === undefined) return void response.end();
      response.write(chunk);
      setTimeout(next, 5);
    };
    next();
  });
  let kubeConfig: PooledKubeConfig;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kubeConfig = new PooledKubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'local', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'nobody' }],
      contexts: [{ name: 'local', cluster: 'local', user: 'nobody' }],
      currentContext: 'local',
    });
  });
  afterAll(async () => {
    await kubeConfig.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('skips and reports both, delivers every other event in order, and ends once, cleanly', async () => {
    const seen: string[] = [];
    const bad: BadWatchEventError[] = [];
    const boom = new Error('handler failed on b');
    const done = await new Promise<unknown[]>((resolve) => {
      const ends: unknown[] = [];
      void watchStream(kubeConfig, {
        path: '/apis/cairn.dev/v1alpha1/configentries',
        query: {},
        silenceMs: 10_000,
        onEvent: (type, object) => {
          const name = (object as { metadata: { name: string } }).metadata.name;
          seen.push(`${type} ${name}`);
          if (name === 'b') throw boom;
        },
        onDone: (error) => {
          ends.push(error);
          setTimeout(() => resolve(ends), 50); // a second onDone would land meanwhile
        },
        onBadEvent: (error) => bad.push(error),
      });
    });
    expect(seen).toEqual(['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d']);
    expect(bad.map((e) => e.reason)).toEqual(['malformed', 'handler', 'malformed']);
    expect(bad[1]?.cause).toBe(boom);
    expect(bad[0]?.message).not.toContain('metadata'); // the line itself is never quoted
    expect(done).toEqual([undefined]);
  });
});
