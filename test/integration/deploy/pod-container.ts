/**
 * The chart's Deployment, as the kubelet would run its pod, translated into a container engine's
 * `run` flags: the container's args and env (fieldRefs resolved for the pod), the pod's and the
 * container's securityContext, the memory limit, its Secret volumes mounted read-only (files of
 * the volume's defaultMode, group fsGroup), and what the kubelet adds to every pod: the
 * ServiceAccount token volume and KUBERNETES_SERVICE_HOST/PORT.
 *
 * Errors: a field of the pod spec this translation does not know throws (UnsupportedPodSpecError),
 * so a chart change is noticed here instead of silently not being exercised.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { K8sObject } from './support.ts';

export class UnsupportedPodSpecError extends Error {
  override name = 'UnsupportedPodSpecError';
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  image: string;
  args?: string[];
  env?: EnvVar[];
  resources?: { limits?: { memory?: string; cpu?: string } };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number; seccompProfile?: { type: string } };
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string; secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string }[] } }[];
}

export function podSpecOf(deployment: K8sObject): PodSpec {
  return (deployment as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

export interface PodContext {
  readonly podName: string;
  readonly namespace: string;
  /** The apiserver the kubelet's KUBERNETES_SERVICE_HOST/PORT point at. */
  readonly apiServerUrl: string;
  /** The token volume's files: token, ca.crt, namespace. */
  readonly serviceAccount: { readonly token: string; readonly caFile: string };
  /** Each Secret's data by Secret name: key -> a file holding the value. */
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Where to lay out the volumes. */
  readonly dir: string;
}

const KNOWN_CONTAINER_SECURITY = ['allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'privileged', 'capabilities'];

function securityFlags(pod: PodSpec, container: Container): string[] {
  const podSecurity = pod.securityContext ?? {};
  const security = container.securityContext ?? {};
  for (const key of Object.keys(security)) if (!KNOWN_CONTAINER_SECURITY.includes(key)) throw new UnsupportedPodSpecError(`securityContext.${key}`);
  const capabilities = security.capabilities as { drop?: string[]; add?: string[] } | undefined;
  if (capabilities?.add?.length) throw new UnsupportedPodSpecError('securityContext.capabilities.add');
  if (podSecurity.seccompProfile && podSecurity.seccompProfile.type !== 'RuntimeDefault') throw new UnsupportedPodSpecError(`seccompProfile ${podSecurity.seccompProfile.type}`);
  if (podSecurity.runAsUser === undefined) throw new UnsupportedPodSpecError('a pod without runAsUser (the image user would apply)');
  return [
    `--user=${podSecurity.runAsUser}:${podSecurity.runAsGroup ?? 0}`,
    ...(podSecurity.fsGroup !== undefined ? [`--group-add=${podSecurity.fsGroup}`] : []),
    // The engine's default seccomp profile is the runtime default; Kubernetes gives no writable tmpfs.
    ...(security.readOnlyRootFilesystem === true ? ['--read-only', '--read-only-tmpfs=false'] : []),
    ...(security.privileged === true ? ['--privileged'] : []),
    ...(security.allowPrivilegeEscalation === false ? ['--security-opt=no-new-privileges'] : []),
    ...(capabilities?.drop ?? []).map((c) => `--cap-drop=${c}`),
  ];
}

function envFlags(container: Container, context: PodContext): string[] {
  const fields: Record<string, string> = { 'metadata.name': context.podName, 'metadata.namespace': context.namespace };
  const api = new URL(context.apiServerUrl);
  const env: [string, string][] = [['KUBERNETES_SERVICE_HOST', api.hostname], ['KUBERNETES_SERVICE_PORT', api.port]];
  for (const e of container.env ?? []) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (e.valueFrom !== undefined && (field === undefined || fields[field] === undefined)) throw new UnsupportedPodSpecError(`env ${e.name} from ${JSON.stringify(e.valueFrom)}`);
    env.push([e.name, field !== undefined ? (fields[field] as string) : (e.value ?? '')]);
  }
  return env.map(([k, v]) => `--env=${k}=${v}`);
}

/** Writes `files` (name -> content source) into `dir`, with the kubelet's mode and group. */
function layOut(dir: string, files: Record<string, string>, mode: number, group: number | undefined): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(files)) {
    const path = join(dir, name);
    copyFileSync(source, path);
    // Root can give the file to fsGroup as the kubelet does; otherwise it must be world-readable.
    if (group !== undefined && process.getuid?.() === 0) chownSync(path, 0, group);
    chmodSync(path, process.getuid?.() === 0 ? mode : mode | 0o004);
  }
}

function volumeFlags(pod: PodSpec, container: Container, context: PodContext): string[] {
  const group = pod.securityContext?.fsGroup;
  const flags: string[] = [];
  if (pod.automountServiceAccountToken !== false) {
    const dir = join(context.dir, 'serviceaccount');
    const namespaceFile = join(context.dir, 'namespace.txt');
    mkdirSync(context.dir, { recursive: true });
    writeFileSync(namespaceFile, context.namespace);
    layOut(dir, { token: context.serviceAccount.token, 'ca.crt': context.serviceAccount.caFile, namespace: namespaceFile }, 0o644, group);
    flags.push(`--volume=${dir}:/var/run/secrets/kubernetes.io/serviceaccount:ro`);
  }
  for (const mount of container.volumeMounts ?? []) {
    const secret = pod.volumes?.find((v) => v.name === mount.name)?.secret;
    if (secret === undefined) throw new UnsupportedPodSpecError(`volume ${mount.name} (only Secret volumes are translated)`);
    const data = context.secrets[secret.secretName];
    if (data === undefined) throw new Error(`the test supplies no Secret ${secret.secretName}`);
    const files = Object.fromEntries((secret.items ?? Object.keys(data).map((key) => ({ key, path: key }))).map((i) => [i.path, data[i.key] as string]));
    layOut(join(context.dir, 'volumes', mount.name), files, secret.defaultMode ?? 0o644, group);
    flags.push(`--volume=${join(context.dir, 'volumes', mount.name)}:${mount.mountPath}${mount.readOnly ? ':ro' : ''}`);
  }
  return flags;
}

/** `run` flags and the container's args (the image's entrypoint stays), for the chart's pod. */
export function containerOf(deployment: K8sObject, context: PodContext): { flags: string[]; args: string[]; gracePeriodSeconds: number } {
  const pod = podSpecOf(deployment);
  if (pod.containers.length !== 1) throw new UnsupportedPodSpecError(`${pod.containers.length} containers`);
  const container = pod.containers[0] as Container;
  const memory = container.resources?.limits?.memory;
  const flags = [
    `--hostname=${context.podName}`,
    ...securityFlags(pod, container),
    ...envFlags(container, context),
    ...volumeFlags(pod, container, context),
    ...(memory !== undefined ? [`--memory=${memory.replace(/i$/, '').toLowerCase()}`] : []),
  ];
  return { flags, args: container.args ?? [], gracePeriodSeconds: pod.terminationGracePeriodSeconds ?? 30 };
}
