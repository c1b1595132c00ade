/**
 * Least privilege, proven both ways on the real apiserver. The chart's ServiceAccount and RBAC are
 * created in a test namespace; the operator runs with a token the TokenRequest API issued for that
 * ServiceAccount (not as admin), configured by the chart's own Deployment env and args, and
 * reconciles entries and bundles end to end: the RBAC is enough. Then every other request that token could try
 * is refused: the RBAC is not more than enough.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationV1Api, CoreV1Api, CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINALIZER } from '../../../src/api/names.ts';
import { type OperatorProcess, startOperatorProcess } from '../../../tools/controlplane/operator-process.ts';
import { adminKubeConfig, controlPlane, uniqueName } from '../../support/cluster.ts';
import { Bundles, Entries, conditionOf } from '../../support/entries.ts';
import { StoreReader } from '../../support/store.ts';
import { type K8sObject, MINIMAL_VALUES, find, helmTemplate, kubectl, kubectlOrThrow, objectsOf, serviceAccountKubeconfig, toManifests } from './support.ts';

const database = { host: 'db.shop.svc', port: 5432, database: 'checkout', user: 'app', pool: { min: 2, max: 20 } };
const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

type Container = { args: string[]; env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[] };

/** The operator's settings as the chart's Deployment gives them, for a pod `podName` in `namespace`. */
function settingsOf(deployment: K8sObject, podName: string, namespace: string): { args: string[]; env: Record<string, string> } {
  const container = (deployment as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0] as Container;
  const fields: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': namespace };
  const env = Object.fromEntries(
    container.env.map((e) => {
      const field = e.valueFrom?.fieldRef?.fieldPath;
      if (field !== undefined && fields[field] === undefined) throw new Error(`unexpected fieldRef ${field}`);
      return [e.name, field !== undefined ? (fields[field] as string) : (e.value ?? '')];
    }),
  );
  return { args: container.args, env };
}

describe("the operator as the chart's ServiceAccount", () => {
  const namespace = uniqueName('least-privilege');
  const release = uniqueName('rbac');
  const prefix = `/${uniqueName('rbac')}`;
  const podName = `${release}-cairn-7d9f-x2x4q`;
  const entries = new Entries(namespace);
  const bundles = new Bundles(namespace);
  const store = new StoreReader();
  let rbac = '';
  let serviceAccount = '';
  let leaseName = '';
  let tokenKubeconfig = '';
  let operator: OperatorProcess | undefined;

  beforeAll(async () => {
    await entries.createNamespace();
    // Outside the finalizer admission policy, so the operator adds the finalizer itself: every
    // write it can make is made with this token.
    kubectlOrThrow(['label', 'namespace', namespace, 'cairn.dev/admission-finalizer=disabled']);
    const objects = objectsOf(await helmTemplate({ release, namespace, valuesFiles: [MINIMAL_VALUES] }));
    rbac = toManifests(objects.filter((o) => RBAC_KINDS.includes(o.kind)));
    kubectlOrThrow(['apply', '--server-side', '-f', '-'], rbac);
    serviceAccount = find(objects, 'ServiceAccount').metadata.name;
    tokenKubeconfig = serviceAccountKubeconfig(namespace, serviceAccount);

    const { args, env } = settingsOf(find(objects, 'Deployment'), podName, namespace);
    leaseName = args.find((a) => a.startsWith('--lease-name='))?.split('=')[1] ?? '';
    expect(args).toContain('--leader-elect');
    expect(leaseName).not.toBe('');
    // The chart's settings, but scoped to this test's namespace and etcd prefix: a cluster-wide
    // operator would reconcile the other test files' entries. The ClusterRole covers one namespace too.
    // Without the schema engine (the chart's path is the image's): ConfigSchemas are cluster-scoped, and
    // this operator would reconcile the other test files' schemas. The image test runs the engine with
    // this RBAC (a ConfigSchema Ready as the chart's ServiceAccount).
    expect(env.CAIRN_SCHEMA_ENGINE_FILE).toBe('/app/engine/validator.wasm');
    operator = await startOperatorProcess({
      kubeconfig: tokenKubeconfig,
      storeEndpoints: controlPlane().storeEndpoints,
      dir: mkdtempSync(join(tmpdir(), 'cairn-op-')),
      args,
      env: { ...env, WATCH_NAMESPACE: namespace, CAIRN_PREFIX: prefix, CAIRN_LOG_LEVEL: 'debug', CAIRN_SCHEMA_ENGINE_FILE: '' },
    });
  });
  afterAll(async () => {
    await operator?.stop();
    await entries.deleteNamespace();
    if (rbac) kubectl(['delete', '--ignore-not-found', '-f', '-'], rbac);
    store.close();
  });

  it('authenticates as the ServiceAccount, not as admin', () => {
    const whoami = JSON.parse(kubectlOrThrow(['auth', 'whoami', '-o', 'json'], undefined, tokenKubeconfig)) as { status: { userInfo: { username: string } } };
    expect(whoami.status.userInfo.username).toBe(`system:serviceaccount:${namespace}:${serviceAccount}`);
  });

  it('leads through the Lease in its namespace: get, create, update', async () => {
    const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);
    const deadline = Date.now() + 20_000;
    let holder: string | undefined;
    while (Date.now() < deadline && holder !== podName) {
      holder = await coordination.readNamespacedLease({ namespace, name: leaseName }).then((l) => l.spec?.holderIdentity, () => undefined);
      if (holder !== podName) await new Promise((r) => setTimeout(r, 100));
    }
    expect(holder).toBe(podName);
  });

  it('commits an entry: finalizer, etcd transaction, status, events', async () => {
    const created = await entries.create('checkout-db', { schema: 'database@v1', key: 'checkout/db', data: database });
    expect(created.metadata.finalizers).toBeUndefined();
    const ready = await entries.waitReady('checkout-db');
    expect(ready.metadata.finalizers).toContain(FINALIZER);
    const stored = await store.get(`${prefix}/data/${namespace}/checkout/db`);
    expect(stored?.modRevision).toBe(ready.status?.revision);
    await expect.poll(async () => eventReasons(namespace), { timeout: 10_000 }).toContain('Committed');
  });

  it('commits a bundle (finalizer, every member at the status revision) and deletes it', async () => {
    const members = ['checkout/a', 'checkout/b'].map((key) => ({ key, schema: 'database@v1', data: database }));
    await bundles.create('checkout', { members });
    const ready = await bundles.waitReady('checkout');
    expect(ready.metadata.finalizers).toContain(FINALIZER);
    for (const { key } of members) expect((await store.get(`${prefix}/meta/${namespace}/${key}`))?.modRevision).toBe(ready.status?.revision);
    await bundles.delete('checkout');
    await bundles.waitGone('checkout');
    expect(await store.get(`${prefix}/data/${namespace}/checkout/a`)).toBeUndefined();
  });

  it('reports bad data as Stalled, with a Warning event', async () => {
    await entries.create('bad-port', { schema: 'database@v1', data: { ...database, port: '5432' } });
    const stalled = await entries.waitStalled('bad-port', 'InvalidData');
    expect(conditionOf(stalled, 'Ready')?.status).toBe('False');
    await expect.poll(async () => eventReasons(namespace), { timeout: 10_000 }).toContain('InvalidData');
  });

  it('commits an update and, on deletion, deletes the value and removes its finalizer', async () => {
    await entries.patchSpec('checkout-db', { data: { ...database, port: 6432 } });
    const updated = await entries.waitFor('checkout-db', 'Ready at generation 2', (e) => e.metadata.generation === 2 && e.status?.observedGeneration === 2 && conditionOf(e, 'Ready')?.status === 'True');
    expect(JSON.parse((await store.get(`${prefix}/data/${namespace}/checkout/db`))?.value ?? '{}')).toMatchObject({ port: 6432 });
    expect(updated.status?.revision).toBeDefined();
    await entries.delete('checkout-db');
    await entries.waitGone('checkout-db');
    expect(await store.get(`${prefix}/data/${namespace}/checkout/db`)).toBeUndefined();
  });

  it('was never refused by the apiserver', () => {
    expect(operator?.logs()).not.toMatch(/forbidden|\b403\b/i);
  });

  it('may do exactly what the operator calls, and nothing else', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(tokenKubeconfig);
    const authz = kc.makeApiClient(AuthorizationV1Api);
    const elsewhere = uniqueName('elsewhere');
    const asks: [string, string, string, string, string, string][] = [];
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
    for (const ns of [namespace, elsewhere]) {
      for (const verb of verbs) {
        for (const resource of ['configentries', 'configbundles']) {
          asks.push([verb, 'cairn.dev', resource, '', '', ns]);
          for (const sub of ['status', 'finalizers']) asks.push([verb, 'cairn.dev', resource, sub, '', ns]);
        }
        asks.push([verb, '', 'events', '', '', ns]);
        asks.push([verb, 'events.k8s.io', 'events', '', '', ns]);
        asks.push([verb, 'coordination.k8s.io', 'leases', '', '', ns]);
        asks.push([verb, 'coordination.k8s.io', 'leases', '', leaseName, ns]);
        asks.push([verb, '', 'secrets', '', '', ns]);
        asks.push([verb, '', 'configmaps', '', '', ns]);
        asks.push([verb, '', 'pods', '', '', ns]);
        asks.push([verb, 'apps', 'deployments', '', '', ns]);
      }
    }
    for (const verb of verbs) {
      asks.push([verb, 'cairn.dev', 'configschemas', '', '', '']);
      for (const sub of ['status', 'finalizers']) asks.push([verb, 'cairn.dev', 'configschemas', sub, '', '']);
      asks.push([verb, 'admissionregistration.k8s.io', 'validatingadmissionpolicies', '', '', '']);
      asks.push([verb, 'admissionregistration.k8s.io', 'validatingadmissionpolicies', 'status', '', '']);
      asks.push([verb, 'admissionregistration.k8s.io', 'validatingadmissionpolicybindings', '', '', '']);
      asks.push([verb, 'apiextensions.k8s.io', 'customresourcedefinitions', '', '', '']);
      asks.push([verb, 'admissionregistration.k8s.io', 'mutatingadmissionpolicies', '', '', '']);
      asks.push([verb, 'rbac.authorization.k8s.io', 'clusterroles', '', '', '']);
    }
    const allowed: string[] = [];
    for (const [verb, group, resource, subresource, name, ns] of asks) {
      const review = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb, group, resource, subresource, name, namespace: ns } } } });
      if (review.status?.allowed) allowed.push(`${verb} ${group || 'core'}/${resource}${subresource ? `/${subresource}` : ''}${name ? ` ${name}` : ''}${ns === namespace ? '' : ns ? ' (other namespace)' : ' (cluster)'}`);
    }
    expect(allowed.sort()).toEqual(
      [
        // ClusterRole: every namespace.
        'list cairn.dev/configentries', 'watch cairn.dev/configentries', 'patch cairn.dev/configentries', 'patch cairn.dev/configentries/status', 'create core/events', 'patch core/events',
        'list cairn.dev/configentries (other namespace)', 'watch cairn.dev/configentries (other namespace)', 'patch cairn.dev/configentries (other namespace)',
        'patch cairn.dev/configentries/status (other namespace)', 'create core/events (other namespace)', 'patch core/events (other namespace)',
        'list cairn.dev/configbundles', 'watch cairn.dev/configbundles', 'patch cairn.dev/configbundles', 'patch cairn.dev/configbundles/status',
        'list cairn.dev/configbundles (other namespace)', 'watch cairn.dev/configbundles (other namespace)', 'patch cairn.dev/configbundles (other namespace)', 'patch cairn.dev/configbundles/status (other namespace)',
        // ClusterRole -schemas: declared schemas and the admission policies generated from them (cluster-scoped).
        'list cairn.dev/configschemas (cluster)', 'watch cairn.dev/configschemas (cluster)', 'create cairn.dev/configschemas (cluster)', 'patch cairn.dev/configschemas (cluster)', 'patch cairn.dev/configschemas/status (cluster)',
        ...['validatingadmissionpolicies', 'validatingadmissionpolicybindings'].flatMap((r) => ['list', 'create', 'patch', 'delete'].map((verb) => `${verb} admissionregistration.k8s.io/${r} (cluster)`)),
        // Role: leader election, in the operator's namespace only; get and update of its own Lease.
        'create coordination.k8s.io/leases', `create coordination.k8s.io/leases ${leaseName}`, `get coordination.k8s.io/leases ${leaseName}`, `update coordination.k8s.io/leases ${leaseName}`,
      ].sort(),
    );
  });

  it('is refused by the apiserver outside that RBAC', async () => {
    await entries.create('kept', { schema: 'database@v1', data: database });
    await entries.waitReady('kept');
    const leaseElsewhere = JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: leaseName, namespace: 'kube-system' }, spec: {} });
    const refusals: [string[], string?][] = [
      [['get', 'secrets', '-n', namespace]],
      [['get', 'configentry', 'kept', '-n', namespace]],
      [['delete', 'configentry', 'kept', '-n', namespace, '--wait=false']],
      [['create', 'configmap', 'sneaky', '-n', namespace, '--from-literal=a=b']],
      [['create', '-f', '-'], leaseElsewhere],
      [['patch', 'lease', 'not-ours', '-n', namespace, '--type=merge', '-p', '{"spec":{"holderIdentity":"x"}}']],
      [['delete', 'crd', 'configentries.cairn.dev', '--wait=false']],
    ];
    for (const [args, input] of refusals) {
      const result = kubectl(args, input, tokenKubeconfig);
      expect(result.status, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toMatch(/forbidden/i);
    }
    expect(await entries.exists('kept')).toBe(true);
  });
});

async function eventReasons(namespace: string): Promise<string[]> {
  const events = await adminKubeConfig().makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  return events.items.filter((e) => e.source?.component === 'cairn-operator').map((e) => e.reason ?? '');
}
