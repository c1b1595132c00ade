/**
 * The apiserver a chaos run talks to. `sharedApiServer` is the integration run's (never faulted);
 * `ownApiServer` is the run's own, on its own etcd, reached through a FaultProxy so that it can be
 * killed and restarted (on a new port) while every client keeps one address.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, createServiceAccountKeys, issueClientCertificate, issueServingCertificate } from '../controlplane/certs.ts';
import { EtcdCluster } from '../controlplane/etcd-cluster.ts';
import { installAdmissionPolicy } from '../controlplane/install-admission-policy.ts';
import { installCrds } from '../controlplane/install-crds.ts';
import { type ApiServerOptions, startApiServer } from '../controlplane/kube-apiserver.ts';
import { writeKubeconfig } from '../controlplane/kubeconfig.ts';
import type { ManagedProcess } from '../controlplane/processes.ts';
import { FaultProxy } from './tcp-proxy.ts';

export interface ApiServerHandle {
  readonly kubeconfig: string;
  /** SIGKILL the apiserver and start it again after `downMs`; absent for a shared apiserver. */
  readonly restart?: (downMs: number) => Promise<void>;
  stop(): Promise<void>;
}

export function sharedApiServer(kubeconfig: string): ApiServerHandle {
  return { kubeconfig, stop: async () => undefined };
}

export interface OwnApiServerOptions {
  readonly dir: string;
  readonly binaries: { readonly etcd: string; readonly 'kube-apiserver': string; readonly kubectl: string };
}

export async function ownApiServer(options: OwnApiServerOptions): Promise<ApiServerHandle> {
  const dir = join(options.dir, 'apiserver');
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'pids');
  const [ca, serviceAccount] = await Promise.all([createCertificateAuthority('cairn-chaos-ca'), createServiceAccountKeys()]);
  const [serving, admin] = await Promise.all([issueServingCertificate(ca), issueClientCertificate(ca, 'admin', ['system:masters'])]);
  const etcd = await EtcdCluster.start({ binary: options.binaries.etcd, dir, name: 'apiserver-etcd', members: 1, pidFile });
  const apiOptions: ApiServerOptions = { binary: options.binaries['kube-apiserver'], dir, etcdEndpoints: etcd.endpoints, caPem: ca.certPem, serving, admin, serviceAccount, pidFile };
  let process: ManagedProcess | undefined;
  let proxy: FaultProxy;
  let kubeconfig: string;
  try {
    const started = await startApiServer(apiOptions);
    process = started.process;
    proxy = await FaultProxy.start(started.url);
    kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), { server: proxy.url, caPem: ca.certPem, user: 'admin', credentials: admin });
    // The installs talk to the apiserver directly, not through the fault proxy.
    const direct = writeKubeconfig(join(dir, 'kubeconfig-direct'), { server: started.url, caPem: ca.certPem, user: 'admin', credentials: admin });
    await installCrds({ kubeconfig: direct, kubectl: options.binaries.kubectl });
    await installAdmissionPolicy({ kubeconfig: direct, kubectl: options.binaries.kubectl });
  } catch (error) {
    await process?.stop();
    await etcd.stop();
    throw error;
  }
  let running: ManagedProcess = process;
  return {
    kubeconfig,
    restart: async (downMs) => {
      await running.kill();
      await new Promise((r) => setTimeout(r, downMs));
      const restarted = await startApiServer(apiOptions);
      running = restarted.process;
      proxy.retarget(restarted.url);
    },
    stop: async () => {
      await running.stop();
      await proxy.stop();
      await etcd.stop();
    },
  };
}
