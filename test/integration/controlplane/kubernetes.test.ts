/**
 * Proof that the harness runs a real kube-apiserver: CRDs are established by its controllers, the
 * status subresource and watches behave as Kubernetes defines them, and RBAC is enforced.
 */
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, RbacAuthorizationV1Api, VersionApi, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintUser } from '../../../tools/controlplane/mint-user.ts';
import { adminKubeConfig, controlPlane, uniqueName } from '../../support/cluster.ts';

const group = 'test.cairn.dev';
const plural = 'widgets';

function widgetCrd(): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { size: { type: 'integer' } } },
                status: { type: 'object', properties: { phase: { type: 'string' } } },
              },
            },
          },
        },
      ],
    },
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a real kube-apiserver', () => {
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = uniqueName('cp-kube');

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  });

  it('serves the pinned Kubernetes version', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.37.2');
  });

  it('establishes a CRD with a status subresource, and a custom object is created, status-patched and watched', async () => {
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({ body: widgetCrd() as never }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
    await waitFor('the CRD to be Established', async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: `${plural}.${group}` });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });

    const objects = kc.makeApiClient(CustomObjectsApi);
    await waitFor('the CRD to be served', () =>
      objects.createNamespacedCustomObject({ group, version: 'v1', namespace, plural, body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } } }),
    );
    // A watch without a resourceVersion starts with a synthetic ADDED for what already exists.
    const seen: { type: string; phase?: string }[] = [];
    const watch = await new Watch(kc).watch(
      `/apis/${group}/v1/namespaces/${namespace}/${plural}`,
      {},
      (type: string, obj: { status?: { phase?: string } }) => seen.push({ type, phase: obj.status?.phase }),
      () => {},
    );
    try {
      await waitFor('the watch to start', async () => (seen.length > 0 ? true : undefined));
      // A status write through the main resource is ignored: that is what the subresource means.
      await objects.patchNamespacedCustomObject(
        { group, version: 'v1', namespace, plural, name: 'w1', body: { status: { phase: 'Ignored' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await objects.patchNamespacedCustomObjectStatus(
        { group, version: 'v1', namespace, plural, name: 'w1', body: { status: { phase: 'Ready' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const stored = (await objects.getNamespacedCustomObject({ group, version: 'v1', namespace, plural, name: 'w1' })) as { status?: { phase?: string } };
      expect(stored.status?.phase).toBe('Ready');
      await waitFor('the watch to deliver the status change', async () => (seen.some((e) => e.type === 'MODIFIED' && e.phase === 'Ready') ? true : undefined));
      expect(seen[0]).toEqual({ type: 'ADDED', phase: undefined });
      expect(seen.some((e) => e.phase === 'Ignored')).toBe(false);
    } finally {
      watch.abort();
    }
  });

  it('denies a restricted identity what its Role does not grant and allows what it does', async () => {
    const user = uniqueName('reader');
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'configmap-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'configmap-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      },
    });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'visible' }, data: { a: '1' } } });

    const restricted = new KubeConfig();
    restricted.loadFromFile(await mintUser(controlPlane(), user, ['testers']));
    const asUser = restricted.makeApiClient(CoreV1Api);

    const list = await asUser.listNamespacedConfigMap({ namespace });
    expect(list.items.map((c) => c.metadata?.name)).toContain('visible');
    await expect(asUser.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'nope' } } })).rejects.toMatchObject({ code: 403 });
    await expect(asUser.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });
    await expect(asUser.listNamespacedConfigMap({ namespace: 'default' })).rejects.toMatchObject({ code: 403 });
  });
});
