/**
 * The Helm chart, rendered by the pinned helm (no cluster, no lookups) and judged by the real
 * kube-apiserver: `helm lint`, then the output of `helm template` with the default and with
 * non-default values applied as a server-side dry run (admission, schema validation, defaulting).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FINALIZER } from '../../../src/api/names.ts';
import { uniqueName } from '../../support/cluster.ts';
import { CHART, DEPLOY, FULL_VALUES, type K8sObject, MINIMAL_VALUES, dryRunApply, find, helmPath, helmTemplate, kubectl, kubectlOrThrow, objectsOf, run } from './support.ts';

const kinds = (objects: readonly K8sObject[]): string[] => objects.map((o) => o.kind).sort();
type Container = { args?: string[]; env?: { name: string; value?: string }[]; securityContext?: Record<string, unknown>; [key: string]: unknown };
const containerOf = (deployment: K8sObject): Container => (deployment as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0] as Container;
const envOf = (container: Container): Record<string, string | undefined> => Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));

describe('helm lint', () => {
  it.each([
    ['minimal values', MINIMAL_VALUES],
    ['every option switched on', FULL_VALUES],
  ])('passes --strict with %s', async (_what, values) => {
    const result = run(await helmPath(), ['lint', '--strict', CHART, '--values', values]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });
});

describe('helm template', () => {
  it('refuses to render without an etcd to write to, and says what to set', async () => {
    await expect(helmTemplate({ namespace: 'cairn-system' })).rejects.toThrow(/store\.endpoints is required/);
  });

  it.each([
    [['operator.logLevel=loud'], /logLevel/],
    [['store.endpoints={etcd:2379}'], /endpoints/],
    [['replicas=2'], /additional properties 'replicas' not allowed|replicas/],
    [['etcd.replicas=2'], /replicas/],
  ])('rejects bad values through values.schema.json: %s', async (set, message) => {
    await expect(helmTemplate({ namespace: 'cairn-system', valuesFiles: [MINIMAL_VALUES], set })).rejects.toThrow(message);
  });

  it('refuses a dedicated etcd without TLS material, and TLS without a Secret', async () => {
    await expect(helmTemplate({ namespace: 'x', set: ['etcd.enabled=true'] })).rejects.toThrow(/etcd\.tls\.serverSecretName/);
    await expect(helmTemplate({ namespace: 'x', valuesFiles: [MINIMAL_VALUES], set: ['store.tls.enabled=true'] })).rejects.toThrow(/store\.tls\.secretName/);
  });

  it('refuses the admission policy on a cluster older than 1.36, and renders without it there', async () => {
    const refused = run(await helmPath(), ['template', 'old', CHART, '--kube-version', '1.33.0', '--values', MINIMAL_VALUES]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/admissionPolicy\.enabled needs Kubernetes >= 1\.36/);
    const older = run(await helmPath(), ['template', 'old', CHART, '--kube-version', '1.33.0', '--values', MINIMAL_VALUES, '--set', 'admissionPolicy.enabled=false']);
    expect(older.status).toBe(0);
    expect(kinds(objectsOf(older.stdout))).not.toContain('MutatingAdmissionPolicy');
  });

  it('renders the same bytes every time (GitOps tools diff renders) and uses no lookup', async () => {
    const options = { namespace: 'cairn-system', valuesFiles: [FULL_VALUES] };
    expect(await helmTemplate(options)).toBe(await helmTemplate(options));
    const templates = readdirSync(join(CHART, 'templates'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(yaml|tpl|txt)$/.test(f));
    for (const file of templates) expect(readFileSync(join(CHART, 'templates', file), 'utf8'), file).not.toMatch(/\blookup\b|genCA|genSelfSigned|randAlpha/);
  });

  it('carries the generated CRDs byte for byte', () => {
    for (const file of ['cairn.dev_configentries.yaml', 'cairn.dev_configschemas.yaml', 'cairn.dev_configbundles.yaml']) {
      expect(readFileSync(join(CHART, 'crds', file), 'utf8'), file).toBe(readFileSync(join(CHART, '..', '..', 'crds', file), 'utf8'));
    }
  });
});

describe('the chart with default values on the real apiserver', () => {
  const namespace = uniqueName('chart');
  // Not `cairn`: the global setup installed deploy/'s policy as cairn-finalizer, which a release
  // named cairn would share (and, as another field manager, conflict with).
  const release = uniqueName('cairn');
  let objects: K8sObject[];

  beforeAll(async () => {
    kubectlOrThrow(['create', 'namespace', namespace]);
    objects = objectsOf(await helmTemplate({ release, namespace, valuesFiles: [MINIMAL_VALUES], includeCrds: true }));
  });
  afterAll(() => void kubectl(['delete', 'namespace', namespace, '--wait=false']));

  it('renders the operator, its RBAC, the metrics Service, the admission policy and the CRDs', () => {
    expect(kinds(objects)).toEqual(
      ['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'CustomResourceDefinition', 'CustomResourceDefinition', 'CustomResourceDefinition', 'Deployment', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].sort(),
    );
  });

  it('is accepted as a whole by a server-side dry run', () => {
    const result = dryRunApply(objects);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(objects.length);
  });

  it('runs the operator as a non-root user on a read-only root filesystem, with probes and resources', () => {
    const deployment = find(objects, 'Deployment');
    const pod = (deployment as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    const container = containerOf(deployment);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(container).toMatchObject({
      livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' } },
      ports: [{ name: 'metrics', containerPort: 8080 }],
      resources: { requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } },
    });
    // The engine at the path the Dockerfile copies it to (test/unit/deploy/image.test.ts checks that side).
    expect(envOf(container)).toMatchObject({ CAIRN_ETCD_ENDPOINTS: 'http://etcd.cairn-system.svc:2379', CAIRN_PREFIX: '/cairn', WATCH_NAMESPACE: '', CAIRN_METRICS_ADDRESS: '0.0.0.0:8080', CAIRN_SCHEMA_ENGINE_FILE: '/app/engine/validator.wasm' });
    expect(find(objects, 'Service')).toMatchObject({ spec: { ports: [{ name: 'metrics', port: 8080, targetPort: 'metrics' }] } });
  });

  it('grants exactly the rules of deploy/operator/rbac.yaml', () => {
    const plain = objectsOf(readFileSync(join(DEPLOY, 'operator', 'rbac.yaml'), 'utf8'));
    const clusterRules = (list: readonly K8sObject[]) => list.filter((o) => o.kind === 'ClusterRole').map((o) => o.rules);
    expect(clusterRules(objects)).toEqual(clusterRules(plain));
    expect(find(objects, 'Role').rules).toEqual(find(plain, 'Role').rules);
  });

  it('has the admission policy of deploy/admission/, under the release name', () => {
    const plain = objectsOf(readFileSync(join(DEPLOY, 'admission', 'finalizer-policy.yaml'), 'utf8'));
    const policy = find(objects, 'MutatingAdmissionPolicy');
    expect(policy.metadata.name).toBe(`${release}-finalizer`);
    expect(policy.spec).toEqual(find(plain, 'MutatingAdmissionPolicy').spec);
    expect(find(objects, 'MutatingAdmissionPolicyBinding').spec).toEqual({ ...(find(plain, 'MutatingAdmissionPolicyBinding').spec as object), policyName: `${release}-finalizer` });
    expect(JSON.stringify(policy.spec)).toContain(FINALIZER);
  });
});

describe('the chart with every option switched on, on the real apiserver', () => {
  const namespace = uniqueName('chart-full');
  const watched = uniqueName('chart-watched');
  let objects: K8sObject[];

  beforeAll(async () => {
    kubectlOrThrow(['create', 'namespace', namespace]);
    kubectlOrThrow(['create', 'namespace', watched]);
    objects = objectsOf(await helmTemplate({ release: 'full', namespace, valuesFiles: [FULL_VALUES], set: [`operator.watchNamespace=${watched}`], includeCrds: true }));
  });
  afterAll(() => void kubectl(['delete', 'namespace', namespace, watched, '--wait=false']));

  it('renders the dedicated etcd, both PodDisruptionBudgets and the ServiceMonitor', () => {
    expect(kinds(objects)).toEqual(
      [
        'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'CustomResourceDefinition', 'CustomResourceDefinition', 'Deployment', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'PodDisruptionBudget', 'PodDisruptionBudget',
        'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Service', 'Service', 'Service', 'ServiceAccount', 'ServiceMonitor', 'StatefulSet',
      ].sort(),
    );
  });

  it('is accepted by a server-side dry run (all but the ServiceMonitor, whose CRD this cluster lacks)', () => {
    const result = dryRunApply(objects.filter((o) => o.kind !== 'ServiceMonitor'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('scopes RBAC and the admission policy to the watched namespace (only the cluster-scoped schemas need a ClusterRole)', () => {
    const roles = objects.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual([namespace, watched].sort());
    const clusterRoles = objects.filter((o) => o.kind === 'ClusterRole');
    expect(clusterRoles.map((o) => o.metadata.name)).toEqual(['cairn-full-schemas']);
    expect(JSON.stringify(clusterRoles[0]?.rules)).not.toContain('configentries');
    expect(find(objects, 'MutatingAdmissionPolicyBinding').spec).toMatchObject({ matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': watched } } } });
    expect(find(objects, 'MutatingAdmissionPolicy').spec).toMatchObject({ failurePolicy: 'Fail' });
  });

  it('connects the operator to the dedicated etcd with client certificates and a password file', () => {
    const container = containerOf(find(objects, 'Deployment'));
    const env = envOf(container);
    expect(env.CAIRN_ETCD_ENDPOINTS?.split(',')).toEqual([0, 1, 2].map((i) => `https://cairn-full-etcd-${i}.cairn-full-etcd-peers.${namespace}.svc.cluster.local:2379`));
    expect(env).toMatchObject({
      WATCH_NAMESPACE: watched,
      CAIRN_PREFIX: '/platform/cairn',
      CAIRN_ETCD_CA_FILE: '/etc/cairn/etcd-tls/ca.crt',
      CAIRN_ETCD_CERT_FILE: '/etc/cairn/etcd-tls/tls.crt',
      CAIRN_ETCD_KEY_FILE: '/etc/cairn/etcd-tls/tls.key',
      CAIRN_ETCD_USERNAME: 'cairn',
      CAIRN_ETCD_PASSWORD_FILE: '/etc/cairn/etcd-auth/password',
      CAIRN_METRICS_ADDRESS: '0.0.0.0:9090',
      TZ: 'UTC',
    });
    expect(container.args).toEqual(['--leader-elect', '--lease-name=cairn-full', '--lease-duration-seconds=20', '--renew-deadline-seconds=12', '--retry-period-seconds=3', '--etcd-timeout-ms=8000']);
    expect(container).toMatchObject({ image: 'registry.example.com/platform/cairn-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' });
  });

  it('runs three etcd members on three nodes, each with its own volume, TLS for peers and clients', () => {
    const sts = find(objects, 'StatefulSet') as unknown as {
      spec: { replicas: number; podManagementPolicy: string; volumeClaimTemplates: { spec: Record<string, unknown> }[]; template: { spec: { affinity: Record<string, unknown>; containers: Container[] } } };
    };
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.template.spec.affinity).toMatchObject({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } });
    expect(sts.spec.volumeClaimTemplates[0]?.spec).toMatchObject({ storageClassName: 'fast-ssd', resources: { requests: { storage: '20Gi' } } });
    const args = sts.spec.template.spec.containers[0]?.args ?? [];
    for (const flag of ['--client-cert-auth=true', '--peer-client-cert-auth=true', '--listen-client-urls=https://0.0.0.0:2379', '--listen-peer-urls=https://0.0.0.0:2380', '--quota-backend-bytes=4294967296']) expect(args).toContain(flag);
    const cluster = args.find((a) => a.startsWith('--initial-cluster='))?.split('=').slice(1).join('=').split(',');
    expect(cluster).toEqual([0, 1, 2].map((i) => `cairn-full-etcd-${i}=https://cairn-full-etcd-${i}.cairn-full-etcd-peers.${namespace}.svc.cluster.local:2380`));
  });

  it('points the ServiceMonitor at the metrics Service port', () => {
    const monitor = find(objects, 'ServiceMonitor');
    const service = find(objects, 'Service', 'cairn-full-metrics') as unknown as { metadata: { labels: Record<string, string> }; spec: { ports: { name: string }[] } };
    const selector = (monitor as unknown as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] } }).spec;
    for (const [k, v] of Object.entries(selector.selector.matchLabels)) expect(service.metadata.labels[k]).toBe(v);
    expect(service.spec.ports.map((p) => p.name)).toContain(selector.endpoints[0]?.port);
    expect(monitor.metadata.labels).toMatchObject({ release: 'prometheus' });
  });

  it('keeps values.yaml and values.schema.json in step: every default validates and every key is described', () => {
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    for (const key of Object.keys(values)) expect(schema.properties, key).toHaveProperty(key);
  });
});
