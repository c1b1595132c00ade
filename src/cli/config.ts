/**
 * The `cairn` command's one reader of configuration: its global flags, the environment, and the
 * file `npm run dev` leaves behind (`.cairn/dev/env`). Precedence, highest first: a flag, a variable
 * of the environment, the dev env file, the default. So `cairn` works with no flags beside a running
 * `npm run dev`, after `source .cairn/dev/env`, and against any cluster given a kubeconfig and etcd
 * endpoints.
 *
 * etcd settings read Cairn's own variables first and etcdctl's after (`ETCDCTL_ENDPOINTS`,
 * `ETCDCTL_CACERT`, `ETCDCTL_CERT`, `ETCDCTL_KEY`), so a shell set up for etcdctl needs nothing more.
 * TLS turns on as etcdctl's does (src/config.ts, etcdTlsOf).
 *
 * Errors: every bad setting is a usage error (exit 2) naming the flag; nothing is read twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_MAX_DATA_BYTES, DEFAULT_PREFIX } from '../api/names.ts';
import { type EtcdTlsFiles, etcdTlsOf } from '../config.ts';
import { checkPrefix } from '../domain/keys.ts';
import { usageError } from './exit-codes.ts';

export const OUTPUTS = ['table', 'json', 'yaml'] as const;
export type Output = (typeof OUTPUTS)[number];

/** The global flags as commander hands them over (every one optional). */
export interface GlobalFlags {
  readonly output?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly etcdEndpoints?: string;
  readonly etcdCaFile?: string;
  readonly etcdCertFile?: string;
  readonly etcdKeyFile?: string;
  readonly etcdUsername?: string;
  readonly etcdPasswordFile?: string;
  readonly etcdTimeoutMs?: string;
  readonly prefix?: string;
  readonly schemaEngineFile?: string;
  readonly devDir?: string;
}

export interface EtcdSettings {
  readonly endpoints: readonly string[];
  readonly tls: EtcdTlsFiles | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly timeoutMs: number;
}

export interface CliSettings {
  readonly output: Output;
  /** A kubeconfig path; undefined: client-node's default ($KUBECONFIG was already read, so ~/.kube/config or in-cluster). */
  readonly kubeconfig: string | undefined;
  /** The kubeconfig context to use (`--context`, as kubectl names it); undefined: its current-context. */
  readonly context: string | undefined;
  /** Undefined when no endpoint was configured anywhere (commands that need etcd say so). */
  readonly etcd: EtcdSettings | undefined;
  readonly prefix: string;
  readonly schemaEngineFile: string | undefined;
  readonly maxDataBytes: number;
  /** The operator's metrics address (`CAIRN_OPERATOR_URL`), for doctor's /healthz and /readyz. */
  readonly operatorUrl: string | undefined;
  /** The dev env file that supplied settings, when one did (doctor shows it). */
  readonly devEnvFile: string | undefined;
}

/** The variables of `npm run dev`'s env file (`export NAME='value'` lines; PATH is not a setting). */
export function parseDevEnv(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match === null || match[1] === 'PATH') continue;
    variables[match[1] as string] = unquote(match[2] as string);
  }
  return variables;
}

/** Undoes the shell quoting env-file.ts writes: '...' pieces joined by \' (a quote inside). */
function unquote(word: string): string {
  if (!word.startsWith("'")) return word;
  return word.split("'\\''").map((piece) => piece.replace(/'/g, '')).join("'");
}

const endpointList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''))
  .pipe(z.array(z.url({ protocol: /^https?$/, error: (issue) => `each endpoint must be an http:// or https:// URL, got ${JSON.stringify(issue.input)}` })).min(1, 'at least one etcd endpoint is needed'));

const timeout = z.coerce.number({ error: 'must be a number of milliseconds' }).int('must be a whole number of milliseconds').min(100).max(120_000);

function fail(flag: string, message: string): never {
  throw usageError(`--${flag}: ${message}`);
}

function readFileSetting(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    return fail(flag, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/**
 * Resolves the settings from flags, `env` and the dev env file in `<cwd>/<devDir>` (default
 * `.cairn/dev`; `CAIRN_DEV_DIR` moves it). Reads that file and a password file; nothing else.
 */
export function resolveSettings(flags: GlobalFlags, env: NodeJS.ProcessEnv, cwd: string): CliSettings {
  const devEnvFile = resolve(cwd, flags.devDir ?? env.CAIRN_DEV_DIR ?? '.cairn/dev', 'env');
  const dev = existsSync(devEnvFile) ? parseDevEnv(readFileSync(devEnvFile, 'utf8')) : {};
  let usedDev = false;
  /** The first value set among the flag and the variables, looking in env before the dev file. */
  const pick = (flag: string | undefined, ...names: string[]): string | undefined => {
    if (flag !== undefined) return flag;
    for (const name of names) if (env[name] !== undefined && env[name] !== '') return env[name];
    for (const name of names) {
      if (dev[name] !== undefined && dev[name] !== '') {
        usedDev = true;
        return dev[name];
      }
    }
    return undefined;
  };

  const output = flags.output ?? 'table';
  if (!(OUTPUTS as readonly string[]).includes(output)) fail('output', `must be one of ${OUTPUTS.join(', ')}, got ${JSON.stringify(output)}`);

  const prefix = pick(flags.prefix, 'CAIRN_PREFIX') ?? DEFAULT_PREFIX;
  const prefixCheck = checkPrefix(prefix);
  if (!prefixCheck.ok) fail('prefix', `${JSON.stringify(prefix)} ${prefixCheck.problem}`);

  const kubeconfig = pick(flags.kubeconfig, 'KUBECONFIG');
  const endpointsText = pick(flags.etcdEndpoints, 'CAIRN_ETCD_ENDPOINTS', 'ETCDCTL_ENDPOINTS');
  const caFile = pick(flags.etcdCaFile, 'CAIRN_ETCD_CA_FILE', 'ETCDCTL_CACERT');
  const certFile = pick(flags.etcdCertFile, 'CAIRN_ETCD_CERT_FILE', 'ETCDCTL_CERT');
  const keyFile = pick(flags.etcdKeyFile, 'CAIRN_ETCD_KEY_FILE', 'ETCDCTL_KEY');
  if (certFile !== undefined && keyFile === undefined) fail('etcd-key-file', 'a client certificate (--etcd-cert-file) needs its key');
  if (keyFile !== undefined && certFile === undefined) fail('etcd-cert-file', 'a client key (--etcd-key-file) needs its certificate');
  const username = pick(flags.etcdUsername, 'CAIRN_ETCD_USERNAME');
  const passwordFile = pick(flags.etcdPasswordFile, 'CAIRN_ETCD_PASSWORD_FILE');
  const password = passwordFile === undefined ? env.CAIRN_ETCD_PASSWORD : readFileSetting('etcd-password-file', passwordFile);
  const timeoutParsed = timeout.safeParse(pick(flags.etcdTimeoutMs, 'CAIRN_ETCD_TIMEOUT_MS') ?? '5000');
  if (!timeoutParsed.success) fail('etcd-timeout-ms', timeoutParsed.error.issues[0]?.message ?? 'invalid');

  let etcd: EtcdSettings | undefined;
  if (endpointsText !== undefined) {
    const endpoints = endpointList.safeParse(endpointsText);
    if (!endpoints.success) fail('etcd-endpoints', endpoints.error.issues[0]?.message ?? 'invalid');
    etcd = { endpoints: endpoints.data, tls: etcdTlsOf({ etcdCaFile: caFile, etcdCertFile: certFile, etcdKeyFile: keyFile }), username, password, timeoutMs: timeoutParsed.data };
  }

  const schemaEngineFile = pick(flags.schemaEngineFile, 'CAIRN_SCHEMA_ENGINE_FILE');
  const maxDataBytes = Number(env.CAIRN_MAX_DATA_BYTES ?? DEFAULT_MAX_DATA_BYTES);
  const operatorUrl = pick(undefined, 'CAIRN_OPERATOR_URL');
  return { output: output as Output, kubeconfig, context: flags.context, etcd, prefix, schemaEngineFile, maxDataBytes, operatorUrl, devEnvFile: usedDev ? devEnvFile : undefined };
}

/** The etcd settings, or a usage error saying every way to give them. */
export function requireEtcd(settings: CliSettings): EtcdSettings {
  if (settings.etcd !== undefined) return settings.etcd;
  throw usageError('no etcd endpoints: pass --etcd-endpoints, set CAIRN_ETCD_ENDPOINTS (or ETCDCTL_ENDPOINTS), or run `npm run dev` here');
}
