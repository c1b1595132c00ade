/**
 * kube-apiserver on loopback, on its own single-member etcd, with envtest's flags: RBAC
 * authorization, client-certificate authentication against our CA, service-account tokens signed by
 * our key, and no ServiceAccount admission plugin (there is no controller-manager to create tokens).
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import type { KeyPairPem } from './certs.ts';
import { freePort } from './ports.ts';
import { ManagedProcess, waitUntil } from './processes.ts';

export interface ApiServerOptions {
  readonly binary: string;
  readonly dir: string;
  readonly etcdEndpoints: readonly string[];
  readonly caPem: string;
  readonly serving: KeyPairPem;
  readonly admin: KeyPairPem;
  readonly serviceAccount: { readonly publicKeyPem: string; readonly privateKeyPem: string };
  readonly pidFile: string;
}

export interface ApiServer {
  readonly url: string;
  readonly process: ManagedProcess;
}

function write(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** GET `path` as the admin identity; resolves to the HTTP status code. */
function adminGet(url: string, path: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const certDir = opts.dir;
  const files = {
    ca: write(certDir, 'ca.crt', opts.caPem),
    cert: write(certDir, 'apiserver.crt', opts.serving.certPem),
    key: write(certDir, 'apiserver.key', opts.serving.keyPem),
    saPub: write(certDir, 'sa.pub', opts.serviceAccount.publicKeyPem),
    saKey: write(certDir, 'sa.key', opts.serviceAccount.privateKeyPem),
  };
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const proc = ManagedProcess.start({
      name: 'kube-apiserver',
      command: opts.binary,
      args: [
        `--etcd-servers=${opts.etcdEndpoints.join(',')}`,
        `--secure-port=${port}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // 1.37 refuses a loopback advertise address with the default (lease) endpoint reconciler.
        '--endpoint-reconciler-type=none',
        `--cert-dir=${certDir}`,
        `--tls-cert-file=${files.cert}`,
        `--tls-private-key-file=${files.key}`,
        `--client-ca-file=${files.ca}`,
        `--service-account-key-file=${files.saPub}`,
        `--service-account-signing-key-file=${files.saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        '--v=1',
      ],
      logFile: join(opts.dir, 'kube-apiserver.log'),
      pidFile: opts.pidFile,
    });
    const url = `https://127.0.0.1:${port}`;
    const agent = new Agent({ ca: opts.caPem, cert: opts.admin.certPem, key: opts.admin.keyPem, keepAlive: true });
    try {
      await waitUntil(proc, 'ready (/readyz 200)', async () => (await adminGet(url, '/readyz', agent)) === 200, 90_000);
      agent.destroy();
      return { url, process: proc };
    } catch (error) {
      agent.destroy();
      lastError = error;
      await proc.stop();
      if (!String(error).includes('address already in use')) throw error;
    }
  }
  throw lastError;
}
