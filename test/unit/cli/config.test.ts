import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type GlobalFlags, parseDevEnv, resolveSettings } from '../../../src/cli/config.ts';
import { CliError, EXIT } from '../../../src/cli/exit-codes.ts';

function devDirWith(env: string): string {
  const cwd = mkdtempSync(join(tmpdir(), 'cairn-cli-config-'));
  mkdirSync(join(cwd, '.cairn/dev'), { recursive: true });
  writeFileSync(join(cwd, '.cairn/dev/env'), env);
  return cwd;
}

const DEV_ENV = [
  '# Written by `npm run dev`',
  "export KUBECONFIG='/tmp/dev/kubeconfig'",
  "export ETCDCTL_ENDPOINTS='http://127.0.0.1:2379,http://127.0.0.1:2479'",
  "export CAIRN_SCHEMA_ENGINE_FILE='/cache/it'\\''s/validator-wasm'",
  "export PATH='/tmp/dev/bin':\"$PATH\"",
  '',
].join('\n');

describe('the dev env file', () => {
  it('reads every export but PATH, undoing the shell quoting env-file.ts writes', () => {
    expect(parseDevEnv(DEV_ENV)).toEqual({
      KUBECONFIG: '/tmp/dev/kubeconfig',
      ETCDCTL_ENDPOINTS: 'http://127.0.0.1:2379,http://127.0.0.1:2479',
      CAIRN_SCHEMA_ENGINE_FILE: "/cache/it's/validator-wasm",
    });
  });
});

describe('settings: a flag, then the environment, then the dev env file, then the default', () => {
  const cwd = devDirWith(DEV_ENV);
  const cases: { what: string; flags: GlobalFlags; env: NodeJS.ProcessEnv; expected: Record<string, unknown> }[] = [
    {
      what: 'no flags, no environment: the dev env file',
      flags: {},
      env: {},
      expected: { kubeconfig: '/tmp/dev/kubeconfig', endpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:2479'], engine: "/cache/it's/validator-wasm", fromDev: true, prefix: '/cairn', output: 'table' },
    },
    {
      what: 'the environment over the dev env file; CAIRN_ETCD_ENDPOINTS over ETCDCTL_ENDPOINTS',
      flags: {},
      env: { KUBECONFIG: '/k', CAIRN_ETCD_ENDPOINTS: 'https://e:2379', ETCDCTL_ENDPOINTS: 'http://x:1', CAIRN_SCHEMA_ENGINE_FILE: '/w', CAIRN_PREFIX: '/other' },
      expected: { kubeconfig: '/k', endpoints: ['https://e:2379'], engine: '/w', fromDev: false, prefix: '/other', output: 'table' },
    },
    {
      what: 'flags over everything',
      flags: { kubeconfig: '/f', etcdEndpoints: 'http://f:1, http://g:2', schemaEngineFile: '/fw', prefix: '/p', output: 'json' },
      env: { KUBECONFIG: '/k', CAIRN_ETCD_ENDPOINTS: 'https://e:2379' },
      expected: { kubeconfig: '/f', endpoints: ['http://f:1', 'http://g:2'], engine: '/fw', fromDev: false, prefix: '/p', output: 'json' },
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const s = resolveSettings(c.flags, c.env, cwd);
      expect({ kubeconfig: s.kubeconfig, endpoints: s.etcd?.endpoints, engine: s.schemaEngineFile, fromDev: s.devEnvFile !== undefined, prefix: s.prefix, output: s.output }).toEqual(c.expected);
    });
  }

  it('reads etcdctl TLS variables and turns TLS on as etcdctl does', () => {
    const s = resolveSettings({}, { ETCDCTL_ENDPOINTS: 'https://e:2379', ETCDCTL_CACERT: '/ca', ETCDCTL_CERT: '/c', ETCDCTL_KEY: '/k' }, '/nonexistent');
    expect(s.etcd?.tls).toEqual({ caFile: '/ca', certFile: '/c', keyFile: '/k' });
    expect(resolveSettings({}, { ETCDCTL_ENDPOINTS: 'http://e:2379' }, '/nonexistent').etcd?.tls).toBeUndefined();
  });

  it('without a dev env file or endpoints, etcd is not configured (commands that need it say so)', () => {
    expect(resolveSettings({}, {}, '/nonexistent').etcd).toBeUndefined();
  });
});

describe('bad settings are usage errors (exit 2) naming the flag', () => {
  const cases: { flags: GlobalFlags; env?: NodeJS.ProcessEnv; message: RegExp }[] = [
    { flags: { output: 'xml' }, message: /^--output: must be one of table, json, yaml, got "xml"$/ },
    { flags: { prefix: 'cairn' }, message: /^--prefix: "cairn" must start with '\/'$/ },
    { flags: { etcdEndpoints: 'etcd:2379' }, message: /^--etcd-endpoints: each endpoint must be an http:\/\/ or https:\/\/ URL, got "etcd:2379"$/ },
    { flags: { etcdEndpoints: ' , ' }, message: /^--etcd-endpoints: at least one etcd endpoint is needed$/ },
    { flags: { etcdEndpoints: 'http://e:1', etcdCertFile: '/c' }, message: /^--etcd-key-file: a client certificate \(--etcd-cert-file\) needs its key$/ },
    { flags: { etcdEndpoints: 'http://e:1', etcdKeyFile: '/k' }, message: /^--etcd-cert-file: a client key \(--etcd-key-file\) needs its certificate$/ },
    { flags: { etcdTimeoutMs: '5s' }, message: /^--etcd-timeout-ms: must be a number of milliseconds$/ },
    { flags: { etcdPasswordFile: '/nonexistent/password' }, message: /^--etcd-password-file: cannot read \/nonexistent\/password: ENOENT$/ },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.flags)} -> ${c.message.source}`, () => {
      let thrown: unknown;
      try {
        resolveSettings(c.flags, c.env ?? {}, '/nonexistent');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CliError);
      expect((thrown as CliError).exitCode).toBe(EXIT.usage);
      expect((thrown as CliError).message).toMatch(c.message);
    });
  }
});

describe('what npm run dev writes is what cairn reads', () => {
  it('the env file of writeDevFiles resolves to its kubeconfig, store endpoints and engine, with no flags', async () => {
    const { writeDevFiles } = await import('../../../tools/dev/env-file.ts');
    const cwd = mkdtempSync(join(tmpdir(), 'cairn-cli-dev-'));
    const source = join(cwd, 'source-kubeconfig');
    writeFileSync(source, 'apiVersion: v1\n');
    const devDir = join(cwd, ".cairn/dev");
    mkdirSync(devDir, { recursive: true });
    const info = { dir: cwd, kubeconfig: source, apiServerUrl: 'https://127.0.0.1:6443', storeEndpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:2479'], kubectl: '/bin/kubectl', etcdctl: '/bin/etcdctl' };
    writeDevFiles(devDir, info, "/cache/it's here/validator-wasm");
    const s = resolveSettings({}, {}, cwd);
    expect([s.kubeconfig, s.etcd?.endpoints, s.schemaEngineFile]).toEqual([join(devDir, 'kubeconfig'), info.storeEndpoints, "/cache/it's here/validator-wasm"]);
  });
});
