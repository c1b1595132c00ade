/** Kubeconfig files for the loopback apiserver, with certificates embedded (no paths to go stale). */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  readonly server: string;
  readonly caPem: string;
  readonly user: string;
  readonly credentials: { readonly certPem: string; readonly keyPem: string } | { readonly token: string };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

export function renderKubeconfig(input: KubeconfigInput): string {
  const user =
    'token' in input.credentials
      ? { token: input.credentials.token }
      : { 'client-certificate-data': b64(input.credentials.certPem), 'client-key-data': b64(input.credentials.keyPem) };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cairn-local', cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [{ name: input.user, user }],
    contexts: [{ name: 'cairn-local', context: { cluster: 'cairn-local', user: input.user } }],
    'current-context': 'cairn-local',
  });
}

export function writeKubeconfig(path: string, input: KubeconfigInput): string {
  writeFileSync(path, renderKubeconfig(input), { mode: 0o600 });
  return path;
}
