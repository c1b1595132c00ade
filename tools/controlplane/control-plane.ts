/**
 * A real control plane on loopback: the store (an etcd cluster of 1 or 3 members, what Cairn writes
 * to) and a kube-apiserver on its own single-member etcd. Used by the test global setup, the local run
 * (`npm run dev`) and the benchmarks.
 *
 * Guarantees: when startControlPlane resolves, every etcd member is healthy and the apiserver answers
 * /readyz 200; stop() stops every process it started, by pid, and a crash of the owner is cleaned up
 * by the next start (reap.ts). Credentials: an admin identity (group system:masters) and mintUser()
 * for restricted identities whose RBAC the caller grants.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureControlPlaneBinaries } from '../binaries/ensure.ts';
import { createCertificateAuthority, createServiceAccountKeys, issueClientCertificate, issueServingCertificate } from './certs.ts';
import { EtcdCluster } from './etcd-cluster.ts';
import { startApiServer } from './kube-apiserver.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { CA_CERT_FILE, CA_KEY_FILE, mintUser } from './mint-user.ts';
import { type ManagedProcess, onShutdown } from './processes.ts';
import { claimDirectory, liveOwnerOf, reapAbandoned, reapDirectory } from './reap.ts';

export interface ControlPlaneOptions {
  /** Members of the store cluster. */
  readonly members?: 1 | 3;
  /** A directory to own (the local run keeps it in .cairn/dev); default: a new temporary one. */
  readonly dir?: string;
  /** Remove the directory on stop (default: only when it was temporary). */
  readonly removeOnStop?: boolean;
  readonly log?: (line: string) => void;
}

/** What tests and tools need to reach the control plane: plain data, serialisable. */
export interface ControlPlaneInfo {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly apiServerUrl: string;
  readonly storeEndpoints: readonly string[];
  readonly kubectl: string;
  readonly etcdctl: string;
}

export const TEMP_PREFIX = 'cairn-cp-';

export class ControlPlaneBusyError extends Error {
  override name = 'ControlPlaneBusyError';
}

export class ControlPlane {
  readonly info: ControlPlaneInfo;
  readonly store: EtcdCluster;
  private readonly apiEtcd: EtcdCluster;
  private readonly apiServer: ManagedProcess;
  private readonly removeOnStop: boolean;
  private readonly forgetShutdownHook: () => void;

  constructor(parts: { info: ControlPlaneInfo; store: EtcdCluster; apiEtcd: EtcdCluster; apiServer: ManagedProcess; removeOnStop: boolean }) {
    this.info = parts.info;
    this.store = parts.store;
    this.apiEtcd = parts.apiEtcd;
    this.apiServer = parts.apiServer;
    this.removeOnStop = parts.removeOnStop;
    // Interrupted owners stop the control plane in order (apiserver before its etcd) and tidy up.
    this.forgetShutdownHook = onShutdown(() => this.stop());
  }

  /** A kubeconfig for a restricted identity; see mint-user.ts. */
  mintUser(user: string, groups: readonly string[] = []): Promise<string> {
    return mintUser(this.info, user, groups);
  }

  /** Stops the apiserver, then both etcd clusters; idempotent. */
  async stop(): Promise<void> {
    this.forgetShutdownHook();
    await this.apiServer.stop();
    await Promise.all([this.apiEtcd.stop(), this.store.stop()]);
    if (this.removeOnStop) rmSync(this.info.dir, { recursive: true, force: true });
  }
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  reapAbandoned(tmpdir(), TEMP_PREFIX);
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), TEMP_PREFIX));
  if (!temporary) {
    const owner = liveOwnerOf(dir);
    if (owner !== undefined) throw new ControlPlaneBusyError(`${dir} belongs to a running control plane (pid ${owner}); stop it first`);
    reapDirectory(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  claimDirectory(dir);
  const pidFile = join(dir, 'pids');
  const binaries = await ensureControlPlaneBinaries(log);

  const [ca, serviceAccount] = await Promise.all([createCertificateAuthority('cairn-local-ca'), createServiceAccountKeys()]);
  writeFileSync(join(dir, CA_CERT_FILE), ca.certPem);
  writeFileSync(join(dir, CA_KEY_FILE), ca.keyPem, { mode: 0o600 });
  const [serving, admin] = await Promise.all([issueServingCertificate(ca), issueClientCertificate(ca, 'admin', ['system:masters'])]);

  const members = options.members ?? 1;
  log(`starting the store (etcd, ${members} member${members === 1 ? '' : 's'}) and the apiserver's etcd`);
  const [store, apiEtcd] = await Promise.all([
    EtcdCluster.start({ binary: binaries.etcd, dir, name: 'store', members, pidFile }),
    EtcdCluster.start({ binary: binaries.etcd, dir, name: 'apiserver-etcd', members: 1, pidFile }),
  ]);
  try {
    log('starting kube-apiserver');
    const apiServer = await startApiServer({ binary: binaries['kube-apiserver'], dir, etcdEndpoints: apiEtcd.endpoints, caPem: ca.certPem, serving, admin, serviceAccount, pidFile });
    const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), { server: apiServer.url, caPem: ca.certPem, user: 'admin', credentials: admin });
    const info: ControlPlaneInfo = { dir, kubeconfig, apiServerUrl: apiServer.url, storeEndpoints: store.endpoints, kubectl: binaries.kubectl, etcdctl: binaries.etcdctl };
    log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return new ControlPlane({ info, store, apiEtcd, apiServer: apiServer.process, removeOnStop: options.removeOnStop ?? temporary });
  } catch (error) {
    await Promise.all([store.stop(), apiEtcd.stop()]);
    throw error;
  }
}
