/** loadConfig: defaults, env, flags (flags win), and messages that name the flag at fault. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, schemaEngineFileOf } from '../../src/config.ts';

const ENDPOINT = ['--etcd-endpoints', 'http://127.0.0.1:2379'];

function errorOf(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the configuration');
}

describe('loadConfig: defaults', () => {
  it('needs only etcd endpoints and fills in every other setting', () => {
    const config = loadConfig(ENDPOINT, { POD_NAME: 'cairn-0' });
    expect(config).toMatchObject({
      watchNamespace: '',
      etcdEndpoints: ['http://127.0.0.1:2379'],
      etcdTimeoutMs: 5000,
      prefix: '/cairn',
      maxDataBytes: 262144,
      concurrency: 8,
      resyncSeconds: 600,
      metricsAddress: '0.0.0.0:8080',
      leaderElect: true,
      leaseNamespace: 'cairn-system',
      leaseName: 'cairn-operator',
      identity: 'cairn-0',
      logLevel: 'info',
      embeddedConfigSchemas: true,
    });
    expect(config.etcdPassword).toBeUndefined();
    expect(config.kubeconfig).toBeUndefined();
  });

  it('defaults the identity to the host name and process id when POD_NAME is not set', () => {
    expect(loadConfig(ENDPOINT, {}).identity).toMatch(new RegExp(`-${process.pid}$`));
  });

  it('splits a comma-separated endpoint list and drops empty items', () => {
    expect(loadConfig(['--etcd-endpoints', 'https://a:2379, https://b:2379,,'], {}).etcdEndpoints).toEqual(['https://a:2379', 'https://b:2379']);
  });

  it('keeps no ConfigSchemas of the embedded schemas with --no-embedded-config-schemas', () => {
    expect(loadConfig([...ENDPOINT, '--no-embedded-config-schemas'], {}).embeddedConfigSchemas).toBe(false);
    expect(loadConfig(ENDPOINT, { CAIRN_EMBEDDED_CONFIG_SCHEMAS: 'false' }).embeddedConfigSchemas).toBe(false);
    expect(loadConfig([...ENDPOINT, '--embedded-config-schemas'], { CAIRN_EMBEDDED_CONFIG_SCHEMAS: 'false' }).embeddedConfigSchemas).toBe(true);
  });

  it('turns leader election off with --no-leader-elect', () => {
    expect(loadConfig([...ENDPOINT, '--no-leader-elect'], {}).leaderElect).toBe(false);
  });
});

describe('loadConfig: environment and flags', () => {
  const env = {
    CAIRN_ETCD_ENDPOINTS: 'http://env:2379',
    CAIRN_PREFIX: '/from-env',
    CAIRN_MAX_DATA_BYTES: '1000',
    CAIRN_CONCURRENCY: '3',
    CAIRN_LOG_LEVEL: 'debug',
    POD_NAMESPACE: 'ops',
    POD_NAME: 'cairn-7',
    WATCH_NAMESPACE: 'shop',
  };

  it('reads settings from the environment', () => {
    expect(loadConfig([], env)).toMatchObject({
      etcdEndpoints: ['http://env:2379'],
      prefix: '/from-env',
      maxDataBytes: 1000,
      concurrency: 3,
      logLevel: 'debug',
      leaseNamespace: 'ops',
      identity: 'cairn-7',
      watchNamespace: 'shop',
    });
  });

  it('lets flags win over the environment', () => {
    const config = loadConfig(['--etcd-endpoints', 'http://flag:2379', '--prefix', '/from-flag', '--max-data-bytes', '2000', '--concurrency', '5', '--log-level', 'warn', '--identity', 'me'], env);
    expect(config).toMatchObject({ etcdEndpoints: ['http://flag:2379'], prefix: '/from-flag', maxDataBytes: 2000, concurrency: 5, logLevel: 'warn', identity: 'me' });
  });

  it('reads the etcd password from --etcd-password-file, trimmed, in preference to CAIRN_ETCD_PASSWORD', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cairn-config-')), 'password');
    writeFileSync(file, 's3cret\n');
    expect(loadConfig([...ENDPOINT, '--etcd-password-file', file], { CAIRN_ETCD_PASSWORD: 'from-env' }).etcdPassword).toBe('s3cret');
    expect(loadConfig(ENDPOINT, { CAIRN_ETCD_PASSWORD: 'from-env' }).etcdPassword).toBe('from-env');
  });
});

describe('loadConfig: bad values name the flag', () => {
  it.each([
    ['a prefix without a leading slash', ['--prefix', 'cairn'], `--prefix: "cairn" must start with '/'`],
    ['a prefix with a trailing slash', ['--prefix', '/cairn/'], `--prefix: "/cairn/" must not end with '/'`],
    ['a prefix with a .. segment', ['--prefix', '/cairn/../x'], `--prefix: "/cairn/../x" must not contain '.' or '..' segments`],
    ['a size limit beyond what etcd accepts', ['--max-data-bytes', '2000000'], '--max-data-bytes: etcd refuses requests over 1.5 MiB; keep the limit below 1,400,000 bytes'],
    ['a metrics address without a port', ['--metrics-address', 'localhost'], '--metrics-address: metrics address is host:port, e.g. 0.0.0.0:8080'],
    ['a watch namespace that is not a namespace name', ['--watch-namespace', 'Shop'], '--watch-namespace: a namespace name (or empty for all namespaces)'],
  ])('%s', (_, argv, message) => {
    expect(errorOf([...ENDPOINT, ...argv]).message).toBe(message);
  });

  it('says that at least one endpoint is needed when none is given', () => {
    expect(errorOf([]).message).toBe('--etcd-endpoints: at least one etcd endpoint is needed');
    expect(errorOf(['--etcd-endpoints', ' , ']).message).toBe('--etcd-endpoints: at least one etcd endpoint is needed');
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    expect(errorOf(['--etcd-endpoints', 'localhost:2379']).message).toMatch(/^--etcd-endpoints: /);
  });

  it('rejects a size limit that is not a number', () => {
    expect(errorOf([...ENDPOINT, '--max-data-bytes', 'lots']).message).toMatch(/^--max-data-bytes: .*number/);
  });

  it('rejects a size limit below one byte', () => {
    expect(errorOf([...ENDPOINT, '--max-data-bytes', '0']).message).toMatch(/^--max-data-bytes: /);
  });

  it('names the flag when the bad value came from the environment', () => {
    expect(errorOf(ENDPOINT, { CAIRN_PREFIX: 'cairn' }).message).toBe(`--prefix: "cairn" must start with '/'`);
  });

  it('lists every bad setting, one per line', () => {
    expect(errorOf([...ENDPOINT, '--concurrency', '0', '--log-level', 'loud']).message.split('\n')).toEqual([
      expect.stringMatching(/^--concurrency: /),
      expect.stringMatching(/^--log-level: /),
    ]);
  });

  it('requires the renew deadline to be shorter than the lease duration, and the retry period shorter than both', () => {
    expect(errorOf([...ENDPOINT, '--lease-duration-seconds', '10', '--renew-deadline-seconds', '10', '--retry-period-seconds', '10']).message.split('\n')).toEqual([
      '--renew-deadline-seconds: must be shorter than --lease-duration-seconds',
      '--retry-period-seconds: must be shorter than --renew-deadline-seconds',
    ]);
  });

  it('reports an unknown flag as a ConfigError', () => {
    expect(errorOf([...ENDPOINT, '--bogus']).message).toContain("unknown option '--bogus'");
  });

  it('reports an unreadable --etcd-password-file as a ConfigError naming the flag', () => {
    expect(errorOf([...ENDPOINT, '--etcd-password-file', '/nonexistent/cairn/password']).message).toMatch(/^--etcd-password-file: /);
  });
});

describe('loadConfig: TLS toward etcd, read as etcdctl reads --cacert, --cert and --key', () => {
  const CA = ['--etcd-ca-file', '/tls/ca.crt'];
  const CERT = ['--etcd-cert-file', '/tls/client.crt'];
  const KEY = ['--etcd-key-file', '/tls/client.key'];

  it.each([
    ['nothing: plain connections', [], undefined],
    ['a CA only: TLS, server verified by that CA, no client certificate', CA, { caFile: '/tls/ca.crt', certFile: undefined, keyFile: undefined }],
    ['a CA and a client certificate with its key', [...CA, ...CERT, ...KEY], { caFile: '/tls/ca.crt', certFile: '/tls/client.crt', keyFile: '/tls/client.key' }],
    ['a client certificate with its key and no CA: presented, server verified by the system roots', [...CERT, ...KEY], { caFile: undefined, certFile: '/tls/client.crt', keyFile: '/tls/client.key' }],
  ])('%s', (_, argv, tls) => {
    expect(loadConfig([...ENDPOINT, ...argv], {}).etcdTls).toEqual(tls);
  });

  it('reads the same from CAIRN_ETCD_CERT_FILE and CAIRN_ETCD_KEY_FILE without CAIRN_ETCD_CA_FILE', () => {
    expect(loadConfig(ENDPOINT, { CAIRN_ETCD_CERT_FILE: '/env/tls.crt', CAIRN_ETCD_KEY_FILE: '/env/tls.key' }).etcdTls).toEqual({ caFile: undefined, certFile: '/env/tls.crt', keyFile: '/env/tls.key' });
  });

  it.each([
    ['a certificate without its key', CERT, '--etcd-key-file: a client certificate (--etcd-cert-file) needs its key'],
    ['a certificate without its key, with a CA', [...CA, ...CERT], '--etcd-key-file: a client certificate (--etcd-cert-file) needs its key'],
    ['a key without its certificate', KEY, '--etcd-cert-file: a client key (--etcd-key-file) needs its certificate'],
  ])('refuses %s', (_, argv, message) => {
    expect(errorOf([...ENDPOINT, ...argv]).message).toBe(message);
  });
});

describe('loadConfig: the schema engine file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-engine-'));
  const installed = join(dir, 'validator.wasm');
  writeFileSync(installed, '');
  const absent = join(dir, 'absent.wasm');

  it.each([
    ['not given, the installation carries one: that one', undefined, installed, installed],
    ['not given, the installation carries none: none', undefined, absent, undefined],
    ['given empty: none, even where the installation carries one', '', installed, undefined],
    ['given: that file, even a missing one (loading it then fails at start-up)', '/elsewhere/v.wasm', installed, '/elsewhere/v.wasm'],
  ])('%s', (_, given, installedFile, expected) => {
    expect(schemaEngineFileOf(given, installedFile)).toBe(expected);
  });

  it('reads --schema-engine-file and CAIRN_SCHEMA_ENGINE_FILE (the flag wins; empty turns it off)', () => {
    expect(loadConfig([...ENDPOINT, '--schema-engine-file', '/flag.wasm'], { CAIRN_SCHEMA_ENGINE_FILE: '/env.wasm' }).schemaEngineFile).toBe('/flag.wasm');
    expect(loadConfig(ENDPOINT, { CAIRN_SCHEMA_ENGINE_FILE: '/env.wasm' }).schemaEngineFile).toBe('/env.wasm');
    expect(loadConfig(ENDPOINT, { CAIRN_SCHEMA_ENGINE_FILE: '' }).schemaEngineFile).toBeUndefined();
  });
});
