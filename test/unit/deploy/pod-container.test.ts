/**
 * The translation of a pod spec into container run flags (test/integration/deploy/pod-container.ts),
 * on hand-written Deployments: what the kubelet would apply becomes a flag, and a field it does not
 * know is refused rather than silently dropped.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsupportedPodSpecError, containerOf } from '../../integration/deploy/pod-container.ts';
import type { K8sObject } from '../../integration/deploy/support.ts';

const dir = mkdtempSync(join(tmpdir(), 'cairn-pod-container-'));
const file = (name: string, content: string): string => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};
const context = {
  podName: 'cairn-7d9f-x2x4q',
  namespace: 'cairn-system',
  apiServerUrl: 'https://127.0.0.1:6443',
  serviceAccount: { token: file('token', 'a-token'), caFile: file('ca.pem', 'a-ca') },
  secrets: { 'etcd-client': { 'ca.crt': file('etcd-ca', 'etcd-ca'), 'tls.key': file('etcd-key', 'etcd-key') } },
};

function deployment(container: Record<string, unknown>, pod: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cairn' },
    spec: { template: { spec: { securityContext: { runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } }, ...pod, containers: [{ image: 'x', ...container }] } } },
  };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a pod spec as container run flags', () => {
  it("applies the pod's and the container's security context", () => {
    const { flags } = containerOf(deployment({ securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } } }), { ...context, dir: join(dir, 'a') });
    expect(flags).toEqual(expect.arrayContaining(['--user=65532:65532', '--group-add=65532', '--read-only', '--read-only-tmpfs=false', '--security-opt=no-new-privileges', '--cap-drop=ALL']));
    expect(flags).not.toContain('--privileged');
  });

  it('resolves fieldRefs for the pod, adds the service host and port, and mounts the token and Secrets', () => {
    const { flags, args, gracePeriodSeconds } = containerOf(
      deployment(
        { args: ['--leader-elect'], env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'CAIRN_PREFIX', value: '/cairn' }], resources: { limits: { memory: '512Mi' } }, volumeMounts: [{ name: 'tls', mountPath: '/etc/cairn/etcd-tls', readOnly: true }] },
        { terminationGracePeriodSeconds: 30, volumes: [{ name: 'tls', secret: { secretName: 'etcd-client', defaultMode: 0o440 } }] },
      ),
      { ...context, dir: join(dir, 'b') },
    );
    expect(args).toEqual(['--leader-elect']);
    expect(gracePeriodSeconds).toBe(30);
    expect(flags).toEqual(expect.arrayContaining(['--env=POD_NAME=cairn-7d9f-x2x4q', '--env=CAIRN_PREFIX=/cairn', '--env=KUBERNETES_SERVICE_HOST=127.0.0.1', '--env=KUBERNETES_SERVICE_PORT=6443', '--memory=512m', '--hostname=cairn-7d9f-x2x4q']));
    expect(flags).toContain(`--volume=${join(dir, 'b', 'serviceaccount')}:/var/run/secrets/kubernetes.io/serviceaccount:ro`);
    expect(flags).toContain(`--volume=${join(dir, 'b', 'volumes', 'tls')}:/etc/cairn/etcd-tls:ro`);
    expect(readFileSync(join(dir, 'b', 'serviceaccount', 'namespace'), 'utf8')).toBe('cairn-system');
    expect(readFileSync(join(dir, 'b', 'volumes', 'tls', 'tls.key'), 'utf8')).toBe('etcd-key');
    expect(statSync(join(dir, 'b', 'volumes', 'tls', 'tls.key')).mode & 0o770).toBe(0o440);
  });

  it.each([
    ['an added capability', deployment({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })],
    ['an unknown securityContext field', deployment({ securityContext: { runAsUser: 0 } })],
    ['an env var from a Secret', deployment({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] })],
    ['a volume other than a Secret', deployment({ volumeMounts: [{ name: 'v', mountPath: '/v' }] }, { volumes: [{ name: 'v', emptyDir: {} }] })],
    ['a seccomp profile other than RuntimeDefault', deployment({}, { securityContext: { runAsUser: 1, seccompProfile: { type: 'Unconfined' } } })],
  ])('refuses %s', (_what, spec) => {
    expect(() => containerOf(spec, { ...context, dir: join(dir, 'c') })).toThrow(UnsupportedPodSpecError);
  });
});
