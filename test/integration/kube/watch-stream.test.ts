/** The informer's watch stream against the real apiserver: events, 410 for a stale version, silence. */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../../src/api/names.ts';
import { loadKubeConfig } from '../../../src/kube/kube-config.ts';
import { watchStream } from '../../../src/kube/watch-stream.ts';
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
    const handle = await watchStream(kubeConfig, path, {}, 30_000, (type, object) => seen.push(`${type} ${(object as { metadata: { name: string } }).metadata.name}`), () => {});
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
      void watchStream(kubeConfig, path, { resourceVersion: '1' }, 30_000, (type, object) => type === 'ERROR' && resolve(object), (error) => resolve(error));
    });
    expect((gone as { code?: number }).code).toBe(410);
  });

  it('ends a silent stream with a TimeoutError (the watchdog)', async () => {
    const list = (await kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL })) as { metadata: { resourceVersion: string } };
    const started = Date.now();
    const error = await new Promise<unknown>((resolve) => {
      void watchStream(kubeConfig, path, { resourceVersion: list.metadata.resourceVersion }, 300, () => {}, resolve);
    });
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});
