/**
 * A one-member etcd with the TLS layout of the chart's dedicated etcd, on loopback: the certificates
 * deploy/etcd/make-certs.sh makes (openssl), client certificates required, the flags of the chart's
 * StatefulSet. For tests of how the operator reaches a TLS store.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePorts } from '../../../tools/controlplane/ports.ts';
import { ManagedProcess } from '../../../tools/controlplane/processes.ts';
import { controlPlane } from '../../support/cluster.ts';
import { DEPLOY } from './support.ts';

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

export interface TlsEtcd {
  readonly clientUrl: string;
  /** Plain-HTTP /livez, /readyz and /metrics. */
  readonly metricsUrl: string;
  /** make-certs.sh's output: ca.crt, server.*, peer.*, client.crt and client.key among others. */
  readonly certs: string;
  readonly process: ManagedProcess;
}

/** Makes the certificates in `<dir>/certs`, starts etcd with its data in `<dir>/data`, waits for /readyz. */
export async function startTlsEtcd(dir: string): Promise<TlsEtcd> {
  const certs = join(dir, 'certs');
  execFileSync('bash', [join(DEPLOY, 'etcd', 'make-certs.sh'), 'cairn', 'cairn-system', certs], { env: { ...process.env, NO_APPLY: '1' }, encoding: 'utf8' });
  const [client, peer, metrics] = (await freePorts(3)) as [number, number, number];
  const clientUrl = `https://127.0.0.1:${client}`;
  const metricsUrl = `http://127.0.0.1:${metrics}`;
  const peerUrl = `https://127.0.0.1:${peer}`;
  const etcd = ManagedProcess.start({
    name: 'etcd-tls',
    command: controlPlane().etcd,
    args: [
      '--name=cairn-etcd-0', `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=cairn-etcd-0=${peerUrl}`,
      '--initial-cluster-state=new', `--listen-metrics-urls=${metricsUrl}`,
      '--client-cert-auth=true', `--trusted-ca-file=${certs}/ca.crt`, `--cert-file=${certs}/server.crt`, `--key-file=${certs}/server.key`,
      '--peer-client-cert-auth=true', `--peer-trusted-ca-file=${certs}/ca.crt`, `--peer-cert-file=${certs}/peer.crt`, `--peer-key-file=${certs}/peer.key`,
    ],
    logFile: join(dir, 'etcd.log'),
    pidFile: join(dir, 'pids'),
  });
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${metricsUrl}/readyz`).then((r) => r.ok, () => false))) {
    etcd.assertRunning();
    if (Date.now() > deadline) {
      await etcd.stop();
      throw new Error(`etcd with TLS not ready:\n${etcd.logTail(30)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { clientUrl, metricsUrl, certs, process: etcd };
}

/** A client of that etcd with the operator's client certificate (what the chart's client Secret holds). */
export function certifiedClient(etcd: TlsEtcd): Etcd3 {
  const read = (file: string) => readFileSync(join(etcd.certs, file));
  return new Etcd3({ hosts: [etcd.clientUrl], credentials: { rootCertificate: read('ca.crt'), certChain: read('client.crt'), privateKey: read('client.key') } });
}
