/**
 * Restricted identities for RBAC tests and for running the operator as someone other than admin.
 * Works from any process that can read the control plane's directory (test workers included): the
 * CA's key is kept there, readable only by its owner, for as long as the control plane runs.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueClientCertificate, loadCertificateAuthority } from './certs.ts';
import { writeKubeconfig } from './kubeconfig.ts';

export interface MintTarget {
  readonly dir: string;
  readonly apiServerUrl: string;
}

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';

/**
 * Writes a kubeconfig for `user` in `groups` (client certificate from the cluster CA) and returns its
 * path. The identity can do nothing until the caller binds a Role or ClusterRole to it.
 */
export async function mintUser(target: MintTarget, user: string, groups: readonly string[] = []): Promise<string> {
  const ca = await loadCertificateAuthority(readFileSync(join(target.dir, CA_CERT_FILE), 'utf8'), readFileSync(join(target.dir, CA_KEY_FILE), 'utf8'));
  const credentials = await issueClientCertificate(ca, user, groups);
  const dir = join(target.dir, 'users');
  mkdirSync(dir, { recursive: true });
  const file = `${user.replace(/[^a-zA-Z0-9._-]/g, '_')}.kubeconfig`;
  return writeKubeconfig(join(dir, file), { server: target.apiServerUrl, caPem: ca.certPem, user, credentials });
}
