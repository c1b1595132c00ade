/**
 * The image, built by its own Dockerfile (tools/image, as `npm run image` builds it) and run as a
 * container exactly as the chart runs the pod: the chart's Deployment, rendered by helm, becomes the
 * engine's run flags (pod-container.ts): user 65532, read-only root filesystem, every capability
 * dropped, the chart's args and env, the etcd client certificate Secret mounted where the chart
 * mounts it, and the kubelet's share: a token of the chart's ServiceAccount (its RBAC applied) with
 * the cluster CA at /var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST/PORT.
 * Host network reaches the loopback control plane and a TLS etcd with the chart's TLS layout.
 * The schema engine the image carries loads under those constraints: a ConfigSchema goes Ready and
 * an entry of it commits with the engine's defaults. Start-up time and the container's memory are
 * printed (figures, not assertions).
 *
 * Skipped, saying why, where no container can run (no engine) or no base image can be had; a
 * Dockerfile that fails to build fails the test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BaseUnavailableError, buildImage, defaultTags } from '../../../tools/image/build.ts';
import { type Engine, detectEngine, engineCall, run } from '../../../tools/image/engine.ts';
import { CA_CERT_FILE } from '../../../tools/controlplane/mint-user.ts';
import { freePorts } from '../../../tools/controlplane/ports.ts';
import { adminKubeConfig, controlPlane, uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';
import { eventually } from '../../support/fixture.ts';
import { conditionOfSchema, configSchema, getSchema } from '../config-schema/support.ts';
import { containerOf } from './pod-container.ts';
import { MINIMAL_VALUES, find, helmTemplate, kubectl, kubectlOrThrow, objectsOf, toManifests } from './support.ts';
import { type TlsEtcd, certifiedClient, hasOpenssl, startTlsEtcd } from './tls-etcd.ts';

const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const data = { flags: { checkout: { type: 'boolean', variants: { enabled: true, disabled: false }, defaultVariant: 'disabled' } } };
/** A declared schema with a default and a rule: the engine compiles the rule and applies the default. */
const PAYMENTS = {
  type: 'object',
  required: ['currency'],
  properties: { currency: { type: 'string', enum: ['EUR', 'USD'] }, retries: { type: 'integer', minimum: 0, maximum: 10, default: 3 } },
  'x-kubernetes-validations': [{ rule: "self.retries <= 5 || self.currency == 'USD'", message: 'more than 5 retries only for USD' }],
};

/** VmRSS and VmHWM (peak) of the container's pid 1, in MiB. */
function memoryOf(procStatus: string): { rss: number; peak: number } {
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(procStatus)?.[1] ?? Number.NaN);
  return { rss: Math.round(kib('VmRSS') / 1024), peak: Math.round(kib('VmHWM') / 1024) };
}

describe('the operator image, run as the chart runs the pod', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-image-'));
  const namespace = uniqueName('image');
  const release = uniqueName('img');
  const podName = `${release}-cairn-5f6c9-k8x2p`;
  const prefix = `/${uniqueName('image')}`;
  const container = uniqueName('cairn-operator');
  const entries = new Entries(namespace);
  const schemaName = uniqueName('img-payments');
  let skip: string | undefined;
  let startedAt = 0;
  let engine: Engine | undefined;
  let etcd: TlsEtcd | undefined;
  let rbac = '';
  let metricsUrl = '';
  let leaseName = '';
  let gracePeriodSeconds = 30;

  /** The container's last log lines, added to a failure's message. */
  const withLogs = <T>(promise: Promise<T>): Promise<T> =>
    promise.catch(async (error: Error) => {
      const logs = engine ? await run(engine.command, ['logs', '--tail=40', container], { env: engine.env }) : undefined;
      throw new Error(`${error.message}\ncontainer logs:\n${logs?.stdout ?? ''}${logs?.stderr ?? ''}`, { cause: error });
    });
  const state = async (): Promise<{ Running: boolean; ExitCode: number }> => JSON.parse(await engineCall(engine as Engine, ['inspect', '--format', '{{json .State}}', container]));

  beforeAll(async () => {
    const skipBecause = (reason: string): void => {
      skip = reason;
      console.log(`[image] the image test is skipped: ${reason}`);
    };
    const detection = await detectEngine();
    if (detection.engine === undefined) return skipBecause(detection.reason);
    if (!hasOpenssl) return skipBecause('openssl is needed for the etcd certificates');
    engine = detection.engine;
    let image: string;
    try {
      const built = await buildImage(engine, defaultTags().slice(0, 1), () => {});
      console.log(`[image] built ${built.id.slice(0, 12)} with ${engine.kind} in ${(built.buildMs / 1000).toFixed(1)}s (base: ${built.base})`);
      image = built.id;
    } catch (error) {
      if (error instanceof BaseUnavailableError) return skipBecause(error.message);
      throw error;
    }

    etcd = await startTlsEtcd(join(dir, 'etcd'));
    const [metricsPort] = (await freePorts(1)) as [number];
    metricsUrl = `http://127.0.0.1:${metricsPort}`;
    await entries.createNamespace();
    const objects = objectsOf(
      await helmTemplate({
        release,
        namespace,
        valuesFiles: [MINIMAL_VALUES],
        // Scoped to this test's namespace and prefix (other test files run beside it); the metrics
        // port is a free one because the container shares the host's network.
        set: [`operator.watchNamespace=${namespace}`, `store.prefix=${prefix}`, `store.endpoints={${etcd.clientUrl}}`, 'store.tls.enabled=true', `store.tls.secretName=${release}-etcd-client-tls`, `metrics.port=${metricsPort}`, 'replicaCount=1'],
      }),
    );
    rbac = toManifests(objects.filter((o) => RBAC_KINDS.includes(o.kind)));
    kubectlOrThrow(['apply', '--server-side', '-f', '-'], rbac);
    const serviceAccount = find(objects, 'ServiceAccount').metadata.name;
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, kubectlOrThrow(['create', 'token', serviceAccount, '-n', namespace, '--duration=1h']).trim());
    const deployment = find(objects, 'Deployment');
    // No embedded ConfigSchemas on the shared apiserver (see test/support/operator.ts): the chart's
    // env plus the one setting an older image ignores.
    (deployment as unknown as { spec: { template: { spec: { containers: { env?: { name: string; value: string }[] }[] } } } }).spec.template.spec.containers[0]?.env?.push({ name: 'CAIRN_EMBEDDED_CONFIG_SCHEMAS', value: 'false' });
    const pod = containerOf(deployment, {
      podName,
      namespace,
      apiServerUrl: controlPlane().apiServerUrl,
      serviceAccount: { token: tokenFile, caFile: join(controlPlane().dir, CA_CERT_FILE) },
      secrets: { [`${release}-etcd-client-tls`]: { 'ca.crt': join(etcd.certs, 'ca.crt'), 'tls.crt': join(etcd.certs, 'client.crt'), 'tls.key': join(etcd.certs, 'client.key') } },
      dir: join(dir, 'pod'),
    });
    gracePeriodSeconds = pod.gracePeriodSeconds;
    leaseName = pod.args.find((a) => a.startsWith('--lease-name='))?.split('=')[1] ?? '';
    startedAt = Date.now();
    await engineCall(engine, ['run', '--detach', `--name=${container}`, '--network=host', ...pod.flags, image, ...pod.args]);
  }, 20 * 60_000);

  afterAll(async () => {
    if (engine) await run(engine.command, ['rm', '--force', '--time=0', container], { env: engine.env });
    // The operator is gone: its finalizer would hold the schema (and its owned policy) forever.
    kubectl(['patch', 'configschema', schemaName, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    kubectl(['delete', 'configschema', schemaName, '--ignore-not-found', '--wait=false']);
    await etcd?.process.stop();
    if (rbac) kubectl(['delete', '--ignore-not-found', '-f', '-'], rbac);
    await entries.deleteNamespace();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as user 65532, with no capabilities and a root filesystem it cannot write', async (ctx) => {
    if (skip) ctx.skip(skip);
    const status = await engineCall(engine as Engine, ['exec', container, 'cat', '/proc/1/status']);
    expect(status).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapBnd:\s+0+$/m);
    const write = await run((engine as Engine).command, ['exec', container, 'node', '-e', "require('fs').writeFileSync('/tmp/x', '')"], { env: (engine as Engine).env });
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('EROFS');
  });

  it('answers the probes: /healthz, then /readyz once synced', async (ctx) => {
    if (skip) ctx.skip(skip);
    const ok = async (path: string) => ((await fetch(`${metricsUrl}${path}`).then((r) => r.status, () => 0)) === 200 ? true : undefined);
    await withLogs(eventually('/healthz of the container', () => ok('/healthz'), 60_000));
    await withLogs(eventually('/readyz of the container', () => ok('/readyz'), 60_000));
    console.log(`[image] container started to /readyz 200 in ${((Date.now() - startedAt) / 1000).toFixed(1)}s (load average ${loadavg()[0]?.toFixed(1)})`);
  });

  it('leads: it holds the Lease the chart names, as the pod', async (ctx) => {
    if (skip) ctx.skip(skip);
    const leases = adminKubeConfig().makeApiClient(CoordinationV1Api);
    const holder = await withLogs(
      eventually('the Lease held by the pod', async () => {
        const lease = await leases.readNamespacedLease({ name: leaseName, namespace }).catch(() => undefined);
        return lease?.spec?.holderIdentity === podName ? lease.spec.holderIdentity : undefined;
      }, 60_000),
    );
    expect(holder).toBe(podName);
  });

  it('commits an entry to the TLS etcd and reports it Ready', async (ctx) => {
    if (skip) ctx.skip(skip);
    await entries.create('flags', { schema: 'feature-flags@v1', data });
    const ready = await withLogs(entries.waitReady('flags', 40_000));
    const reader = certifiedClient(etcd as TlsEtcd);
    try {
      const response = await reader.get(`${prefix}/data/${namespace}/flags`).exec();
      expect(response.kvs[0]?.mod_revision).toBe(ready.status?.revision);
      expect(JSON.parse(response.kvs[0]?.value.toString() ?? 'null')).toMatchObject(data);
    } finally {
      reader.close();
    }
  });

  it('loads the schema engine it carries: a ConfigSchema goes Ready, and an entry of it commits with its default', async (ctx) => {
    if (skip) ctx.skip(skip);
    // Every line on stdout and stderr, Node's own warnings included, is JSON.
    const output = await run((engine as Engine).command, ['logs', container], { env: (engine as Engine).env });
    const logs = `${output.stdout}${output.stderr}`.trim().split('\n');
    for (const line of logs) expect(() => JSON.parse(line), line).not.toThrow();
    expect(logs.map((l) => JSON.parse(l) as { msg?: string; file?: string }).find((l) => l.msg === 'schema engine loaded')?.file).toBe('/app/engine/validator.wasm');
    expect(kubectlOrThrow(['apply', '-f', '-'], stringify(configSchema(schemaName, [{ name: 'v1', openAPIV3Schema: PAYMENTS }])))).toContain('created');
    const ready = await withLogs(
      eventually('the ConfigSchema Ready', async () => {
        const condition = conditionOfSchema(getSchema(schemaName), 'Ready');
        return condition?.status === 'True' ? condition : undefined;
      }, 60_000),
    );
    expect(ready.reason).toBe('SchemaReady');
    await entries.create('payments', { schema: `${schemaName}@v1`, data: { currency: 'EUR' } });
    const committed = await withLogs(entries.waitReady('payments', 40_000));
    const reader = certifiedClient(etcd as TlsEtcd);
    try {
      const response = await reader.get(`${prefix}/data/${namespace}/payments`).exec();
      expect(response.kvs[0]?.mod_revision).toBe(committed.status?.revision);
      // The apiserver's defaulting, as the engine applies it: the absent `retries` gets its default.
      expect(response.kvs[0]?.value.toString()).toBe('{"currency":"EUR","retries":3}');
    } finally {
      reader.close();
    }
    const memory = memoryOf(await engineCall(engine as Engine, ['exec', container, 'cat', '/proc/1/status']));
    console.log(`[image] operator memory with the engine loaded and one schema compiled: RSS ${memory.rss} MiB, peak ${memory.peak} MiB`);
  });

  it("stops on SIGTERM within the chart's grace period, exit code 0, and releases the Lease", async (ctx) => {
    if (skip) ctx.skip(skip);
    // The engine sends SIGTERM, then SIGKILL after the grace period: exit code 0 is a clean stop.
    await engineCall(engine as Engine, ['stop', `--time=${gracePeriodSeconds}`, container]);
    const stopped = await state();
    expect(stopped.Running).toBe(false);
    await withLogs(Promise.resolve().then(() => expect(stopped.ExitCode).toBe(0)));
    const lease = await adminKubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: leaseName, namespace });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  });
});
