/**
 * The TLS layout of the chart's dedicated etcd, with real certificates and a real etcd: the
 * certificates deploy/etcd/make-certs.sh makes (openssl) serve an etcd that requires client
 * certificates, and the operator, configured by the env the chart's Deployment sets
 * (CAIRN_ETCD_CA_FILE / _CERT_FILE / _KEY_FILE), commits through them. A client without a
 * certificate is refused.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperatorProcess, startOperatorProcess } from '../../../tools/controlplane/operator-process.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';
import { type TlsEtcd, certifiedClient, hasOpenssl, startTlsEtcd } from './tls-etcd.ts';

describe.skipIf(!hasOpenssl)('etcd with the TLS layout of the chart (needs openssl)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-etcd-tls-'));
  const namespace = uniqueName('etcd-tls');
  const entries = new Entries(namespace);
  let etcd: TlsEtcd | undefined;
  let certs = '';
  let clientUrl = '';
  let metricsUrl = '';
  let operator: OperatorProcess | undefined;

  beforeAll(async () => {
    etcd = await startTlsEtcd(dir);
    ({ certs, clientUrl, metricsUrl } = etcd);
    await entries.createNamespace();
  });
  afterAll(async () => {
    await operator?.stop();
    await etcd?.process.stop();
    await entries.deleteNamespace();
  });

  it("answers the chart's probes on the plain-HTTP metrics listener: /livez and /readyz", async () => {
    for (const path of ['/livez', '/readyz']) expect((await fetch(`${metricsUrl}${path}`)).status, path).toBe(200);
  });

  it('refuses a client without a certificate', async () => {
    const anonymous = new Etcd3({ hosts: [clientUrl], credentials: { rootCertificate: readFileSync(join(certs, 'ca.crt')) }, dialTimeout: 3_000 });
    await expect(anonymous.get('/x').string()).rejects.toThrow();
    anonymous.close();
  });

  /** The operator for this namespace on the TLS etcd, configured by `env` as the chart's Deployment is. */
  function startTlsOperator(env: Readonly<Record<string, string>>): Promise<OperatorProcess> {
    return startOperatorProcess({
      kubeconfig: controlPlane().kubeconfig,
      storeEndpoints: [clientUrl],
      dir: mkdtempSync(join(tmpdir(), 'cairn-op-')),
      args: [`--watch-namespace=${namespace}`, '--no-leader-elect', `--identity=${uniqueName('tls')}`],
      env,
    });
  }

  it("lets the operator commit with the chart's client certificate files", async () => {
    operator = await startTlsOperator({ CAIRN_ETCD_CA_FILE: join(certs, 'ca.crt'), CAIRN_ETCD_CERT_FILE: join(certs, 'client.crt'), CAIRN_ETCD_KEY_FILE: join(certs, 'client.key') });
    await entries.create('flags', { schema: 'feature-flags@v1', data: { flags: {} } });
    const ready = await entries.waitReady('flags');
    const reader = certifiedClient(etcd as TlsEtcd);
    try {
      const response = await reader.get(`/cairn/data/${namespace}/flags`).exec();
      expect(response.kvs[0]?.mod_revision).toBe(ready.status?.revision);
    } finally {
      reader.close();
    }
  });

  it('presents the client certificate without a CA file, verifying etcd against the system roots (as etcdctl does)', async () => {
    await operator?.stop();
    // grpc-js's system roots come from this variable when set: here they are the chart's CA, so
    // the connection succeeds only if the certificate is presented and the system roots are used.
    operator = await startTlsOperator({ GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: join(certs, 'ca.crt'), CAIRN_ETCD_CERT_FILE: join(certs, 'client.crt'), CAIRN_ETCD_KEY_FILE: join(certs, 'client.key') });
    await entries.create('no-ca-file', { schema: 'feature-flags@v1', data: { flags: {} } });
    const ready = await entries.waitReady('no-ca-file');
    expect(ready.status?.revision).toMatch(/^[1-9][0-9]*$/);
  });
});
