/**
 * deploy/ as kustomize renders it, judged by the real kube-apiserver: `kubectl kustomize deploy/`,
 * then the same base moved into a test namespace by an overlay (as users point it at their own
 * namespace and etcd), applied as a server-side dry run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../../support/cluster.ts';
import { DEPLOY, type K8sObject, dryRunApply, find, kubectl, kubectlOrThrow, kustomizeInto, objectsOf } from './support.ts';

type PodSpec = { serviceAccountName: string; securityContext: Record<string, unknown>; containers: { envFrom: { configMapRef: { name: string } }[]; securityContext: Record<string, unknown> }[] };
const podSpecOf = (o: K8sObject): PodSpec => (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

describe('kubectl kustomize deploy/', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = objectsOf(kubectlOrThrow(['kustomize', DEPLOY]));
  });

  it('renders the CRD, the namespace, the operator with its RBAC and metrics Service, and the admission policy', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ClusterRole/cairn-operator', 'ClusterRoleBinding/cairn-operator', 'ClusterRole/cairn-operator-schemas', 'ClusterRoleBinding/cairn-operator-schemas', 'ConfigMap/' + find(objects, 'ConfigMap').metadata.name, 'CustomResourceDefinition/configentries.cairn.dev',
        'CustomResourceDefinition/configschemas.cairn.dev', 'CustomResourceDefinition/configbundles.cairn.dev',
        'Deployment/cairn-operator', 'MutatingAdmissionPolicy/cairn-finalizer', 'MutatingAdmissionPolicyBinding/cairn-finalizer', 'Namespace/cairn-system',
        'Role/cairn-operator-leader-election', 'RoleBinding/cairn-operator-leader-election', 'Service/cairn-operator-metrics', 'ServiceAccount/cairn-operator',
      ].sort(),
    );
  });

  it('wires the generated ConfigMap into the Deployment (a new hash rolls the pods)', () => {
    const configMap = find(objects, 'ConfigMap');
    expect(configMap.metadata.name).toMatch(/^cairn-operator-config-[a-z0-9]+$/);
    expect(podSpecOf(find(objects, 'Deployment')).containers[0]?.envFrom[0]?.configMapRef.name).toBe(configMap.metadata.name);
  });

  it('carries the generated CRDs byte for byte (deploy/crds is a copy of crds/)', () => {
    for (const file of ['cairn.dev_configentries.yaml', 'cairn.dev_configschemas.yaml', 'cairn.dev_configbundles.yaml']) {
      expect(readFileSync(join(DEPLOY, 'crds', file), 'utf8'), file).toBe(readFileSync(join(DEPLOY, '..', 'crds', file), 'utf8'));
    }
  });
});

describe('deploy/ moved into another namespace by an overlay, on the real apiserver', () => {
  const namespace = uniqueName('kustomize');
  let objects: K8sObject[];

  beforeAll(() => {
    // A server-side dry run creates nothing, so the namespace the objects go into must exist.
    kubectlOrThrow(['create', 'namespace', namespace]);
    objects = objectsOf(kustomizeInto(namespace));
  });
  afterAll(() => void kubectl(['delete', 'namespace', namespace, '--wait=false']));

  it('binds the RBAC to the ServiceAccount in the new namespace', () => {
    expect(find(objects, 'ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'cairn-operator', namespace }]);
    expect(find(objects, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'cairn-operator', namespace }]);
    expect(find(objects, 'ConfigMap').data).toMatchObject({ CAIRN_ETCD_ENDPOINTS: 'https://etcd-0.example:2379,https://etcd-1.example:2379', CAIRN_PREFIX: '/cairn', CAIRN_SCHEMA_ENGINE_FILE: '/app/engine/validator.wasm' });
  });

  it('is accepted as a whole by a server-side dry run', () => {
    const result = dryRunApply(objects);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(objects.length);
  });
});
