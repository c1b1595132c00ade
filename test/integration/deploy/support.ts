/**
 * What the install tests share: the pinned helm, rendering the chart and the kustomization, splitting
 * manifests into objects, kubectl against the shared control plane, and identities that are a
 * ServiceAccount's token rather than admin.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureBinaries } from '../../../tools/binaries/ensure.ts';
import { writeKubeconfig } from '../../../tools/controlplane/kubeconfig.ts';
import { CA_CERT_FILE } from '../../../tools/controlplane/mint-user.ts';
import { controlPlane } from '../../support/cluster.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const CHART = join(ROOT, 'helm', 'cairn');
export const DEPLOY = join(ROOT, 'deploy');
export const MINIMAL_VALUES = join(CHART, 'ci', 'minimal-values.yaml');
export const FULL_VALUES = join(CHART, 'ci', 'full-values.yaml');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** The pinned Helm 4 (`helm`), or Helm 3 (`helm3`). */
export async function helmPath(which: 'helm' | 'helm3' = 'helm'): Promise<string> {
  const path = (await ensureBinaries([which], () => {}))[which];
  if (path === undefined) throw new Error(`${which} could not be resolved or built`);
  return path;
}

export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program, never throws: tests assert on status and output. Helm gets a home of its own. */
export function run(command: string, args: readonly string[], input?: string): CommandResult {
  const home = mkdtempSync(join(tmpdir(), 'cairn-helm-home-'));
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
    maxBuffer: 64 * 1024 * 1024,
  });
  rmSync(home, { recursive: true, force: true });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  readonly release?: string;
  readonly namespace: string;
  readonly valuesFiles?: readonly string[];
  readonly set?: readonly string[];
  readonly includeCrds?: boolean;
  readonly helm?: 'helm' | 'helm3';
}

/** `helm template`: no cluster, no lookups. Throws with helm's message when the render fails. */
export async function helmTemplate(options: RenderOptions): Promise<string> {
  const result = run(await helmPath(options.helm), [
    'template',
    options.release ?? 'cairn',
    CHART,
    '--namespace',
    options.namespace,
    ...(options.includeCrds ? ['--include-crds'] : []),
    ...(options.valuesFiles ?? []).flatMap((f) => ['--values', f]),
    ...(options.set ?? []).flatMap((s) => ['--set', s]),
  ]);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return result.stdout;
}

export function objectsOf(manifests: string): K8sObject[] {
  return parseAllDocuments(manifests)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

export function toManifests(objects: readonly K8sObject[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

export function find(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** kubectl as admin against the shared control plane. */
export function kubectl(args: readonly string[], input?: string, kubeconfig = controlPlane().kubeconfig): CommandResult {
  return run(controlPlane().kubectl, ['--kubeconfig', kubeconfig, ...args], input);
}

export function kubectlOrThrow(args: readonly string[], input?: string, kubeconfig?: string): string {
  const result = kubectl(args, input, kubeconfig);
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}

/**
 * `kubectl apply --server-side --dry-run=server`, as a user applies (field manager kubectl): the
 * apiserver runs admission, validation and defaulting; nothing is stored.
 */
export function dryRunApply(objects: readonly K8sObject[]): CommandResult {
  return kubectl(['apply', '--server-side', '--dry-run=server', '-o', 'name', '-f', '-'], toManifests(objects));
}

/** A kubeconfig that authenticates with a token the TokenRequest API issued for `serviceAccount`. */
export function serviceAccountKubeconfig(namespace: string, serviceAccount: string): string {
  const cp = controlPlane();
  const token = execFileSync(cp.kubectl, ['--kubeconfig', cp.kubeconfig, 'create', 'token', serviceAccount, '-n', namespace, '--duration=1h'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-sa-'));
  return writeKubeconfig(join(dir, 'kubeconfig'), {
    server: cp.apiServerUrl,
    caPem: readFileSync(join(cp.dir, CA_CERT_FILE), 'utf8'),
    user: `system:serviceaccount:${namespace}:${serviceAccount}`,
    credentials: { token },
  });
}

/**
 * `kubectl kustomize` of a throwaway overlay over deploy/ that moves everything to `namespace` and
 * sets the etcd endpoints (kustomize takes the base by relative path only).
 */
export function kustomizeInto(namespace: string): string {
  const overlay = mkdtempSync(join(tmpdir(), 'cairn-overlay-'));
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace,
      resources: [relative(overlay, DEPLOY)],
      // The generator merges into the base's ConfigMap, which is still in the base's namespace here.
      configMapGenerator: [{ name: 'cairn-operator-config', namespace: 'cairn-system', behavior: 'merge', literals: ['CAIRN_ETCD_ENDPOINTS=https://etcd-0.example:2379,https://etcd-1.example:2379'] }],
    }),
  );
  return kubectlOrThrow(['kustomize', overlay]);
}
