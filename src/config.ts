/**
 * The only reader of flags and environment. Each setting is a flag; most also read an environment
 * variable (flags win), so the same image runs from a Deployment's env and from a terminal.
 * Parsed once with zod; the result is passed in, never read again from process.env.
 */
import { hostname } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_MAX_DATA_BYTES, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_TXN_OPS, DEFAULT_PREFIX } from './api/names.ts';
import { checkPrefix } from './domain/keys.ts';

/**
 * Where an installation carries the schema engine: `engine/validator.wasm` beside `dist/` (the image's
 * /app/engine/validator.wasm, next to /app/dist/main.js). A source checkout has none there.
 */
export const DEFAULT_SCHEMA_ENGINE_FILE = join(import.meta.dirname, '..', 'engine', 'validator.wasm');

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''))
  .pipe(z.array(z.url({ protocol: /^https?$/, error: (issue) => `each endpoint must be an http:// or https:// URL, got ${JSON.stringify(issue.input)}` })).min(1, 'at least one etcd endpoint is needed'));

const ConfigSchema = z.object({
  kubeconfig: z.string().optional(),
  watchNamespace: z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/, 'a namespace name (or empty for all namespaces)'),
  etcdEndpoints: csv,
  etcdCaFile: z.string().optional(),
  etcdCertFile: z.string().optional(),
  etcdKeyFile: z.string().optional(),
  etcdUsername: z.string().optional(),
  etcdPasswordFile: z.string().optional(),
  etcdTimeoutMs: z.coerce.number().int().min(100).max(120_000),
  prefix: z.string().superRefine((prefix, ctx) => {
    const check = checkPrefix(prefix);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(prefix)} ${check.problem}` });
  }),
  maxDataBytes: z.coerce.number({ error: 'must be a whole number of bytes' }).int('must be a whole number of bytes').min(1).max(1_400_000, 'etcd refuses requests over 1.5 MiB; keep the limit below 1,400,000 bytes'),
  etcdMaxTxnOps: z.coerce.number().int().min(3, 'one entry needs 3 operations'),
  etcdMaxRequestBytes: z.coerce.number().int().min(1024),
  concurrency: z.coerce.number().int().min(1).max(256),
  resyncSeconds: z.coerce.number().int().min(0),
  metricsAddress: z.string().regex(/^[^:]*:\d+$/, 'metrics address is host:port, e.g. 0.0.0.0:8080'),
  leaderElect: z.boolean(),
  leaseNamespace: z.string().min(1),
  leaseName: z.string().min(1),
  leaseDurationSeconds: z.coerce.number().min(1),
  renewDeadlineSeconds: z.coerce.number().min(0.5),
  retryPeriodSeconds: z.coerce.number().min(0.1),
  identity: z.string().min(1),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
  schemaEngineFile: z.string().optional(),
  embeddedConfigSchemas: z.boolean(),
});

/**
 * TLS toward etcd, as etcd's own clients (etcdctl, clientv3's transport.TLSInfo) read their flags:
 * on when a CA, a certificate or a key is given; the certificate and its key come together or not at
 * all; without a CA file the server is verified against the system roots (and the client certificate
 * is still presented). Undefined: plain connections (an https:// endpoint still gets TLS with the
 * system roots from the client library).
 */
export interface EtcdTlsFiles {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

export type Config = z.output<typeof ConfigSchema> & {
  readonly etcdPassword: string | undefined;
  readonly etcdTls: EtcdTlsFiles | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** --help or --version was asked for and has been printed: nothing to run, not an error. */
export class HelpShown extends Error {
  override name = 'HelpShown';
}

/** Parses argv and env; throws ConfigError naming every bad setting. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const program = new Command('cairn-operator')
    .description('Cairn: ConfigEntry resources -> validated -> one guarded etcd transaction -> status')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster)', env.KUBECONFIG)
    .option('--watch-namespace <ns>', 'reconcile entries of this namespace only (default: all) ($WATCH_NAMESPACE)', env.WATCH_NAMESPACE ?? '')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs ($CAIRN_ETCD_ENDPOINTS)', env.CAIRN_ETCD_ENDPOINTS ?? '')
    .option('--etcd-ca-file <path>', 'CA bundle for etcd TLS ($CAIRN_ETCD_CA_FILE)', env.CAIRN_ETCD_CA_FILE)
    .option('--etcd-cert-file <path>', 'client certificate for etcd mTLS ($CAIRN_ETCD_CERT_FILE)', env.CAIRN_ETCD_CERT_FILE)
    .option('--etcd-key-file <path>', 'client key for etcd mTLS ($CAIRN_ETCD_KEY_FILE)', env.CAIRN_ETCD_KEY_FILE)
    .option('--etcd-username <name>', 'etcd user ($CAIRN_ETCD_USERNAME)', env.CAIRN_ETCD_USERNAME)
    .option('--etcd-password-file <path>', 'file holding the etcd password ($CAIRN_ETCD_PASSWORD_FILE)', env.CAIRN_ETCD_PASSWORD_FILE)
    .option('--etcd-timeout-ms <ms>', 'deadline of each etcd request', env.CAIRN_ETCD_TIMEOUT_MS ?? '5000')
    .option('--prefix <prefix>', 'etcd key prefix P ($CAIRN_PREFIX)', env.CAIRN_PREFIX ?? DEFAULT_PREFIX)
    .option('--max-data-bytes <n>', 'largest canonical JSON value accepted ($CAIRN_MAX_DATA_BYTES)', env.CAIRN_MAX_DATA_BYTES ?? String(DEFAULT_MAX_DATA_BYTES))
    .option('--etcd-max-txn-ops <n>', "etcd's --max-txn-ops: a ConfigBundle's transaction must fit ($CAIRN_ETCD_MAX_TXN_OPS)", env.CAIRN_ETCD_MAX_TXN_OPS ?? String(DEFAULT_MAX_TXN_OPS))
    .option('--etcd-max-request-bytes <n>', "etcd's --max-request-bytes: a ConfigBundle's transaction must fit ($CAIRN_ETCD_MAX_REQUEST_BYTES)", env.CAIRN_ETCD_MAX_REQUEST_BYTES ?? String(DEFAULT_MAX_REQUEST_BYTES))
    .option('--concurrency <n>', 'reconciles in flight at once', env.CAIRN_CONCURRENCY ?? '8')
    .option('--resync-seconds <s>', 'reconcile every entry this often (0: never)', env.CAIRN_RESYNC_SECONDS ?? '600')
    .option('--metrics-address <host:port>', 'address of /metrics, /healthz and /readyz', env.CAIRN_METRICS_ADDRESS ?? '0.0.0.0:8080')
    .option('--leader-elect', 'elect a leader among replicas with a Lease (default)', true)
    .option('--no-leader-elect', 'run without leader election (a single replica)')
    .option('--lease-namespace <ns>', 'namespace of the leader-election Lease ($POD_NAMESPACE)', env.POD_NAMESPACE ?? 'cairn-system')
    .option('--lease-name <name>', 'name of the leader-election Lease', 'cairn-operator')
    .option('--lease-duration-seconds <s>', 'how long a Lease holds without renewal', '15')
    .option('--renew-deadline-seconds <s>', 'a leader that could not renew for this long stops leading', '10')
    .option('--retry-period-seconds <s>', 'how often to try to acquire or renew the Lease', '2')
    .option('--identity <id>', 'this replica in the Lease and the fence ($POD_NAME)', env.POD_NAME ?? `${hostname()}-${process.pid}`)
    .option('--schema-engine-file <path>', `the schema engine (validator.wasm); default ${DEFAULT_SCHEMA_ENGINE_FILE} when that file exists; "" turns it off, and ConfigSchemas are then not reconciled ($CAIRN_SCHEMA_ENGINE_FILE)`, env.CAIRN_SCHEMA_ENGINE_FILE)
    .option('--embedded-config-schemas', 'with the engine: keep a ConfigSchema per embedded schema (listed, admission policy, published) (default; $CAIRN_EMBEDDED_CONFIG_SCHEMAS=false turns it off)', env.CAIRN_EMBEDDED_CONFIG_SCHEMAS !== 'false')
    .option('--no-embedded-config-schemas', 'do not create or restore them (another Cairn in the cluster keeps them); embedded data is still judged by the engine')
    .option('--log-level <level>', 'trace|debug|info|warn|error', env.CAIRN_LOG_LEVEL ?? 'info')
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if ((error as { code?: string }).code === 'commander.helpDisplayed') throw new HelpShown('help shown');
    throw new ConfigError((error as Error).message);
  }
  const parsed = ConfigSchema.superRefine((c, ctx) => {
    // client-go's rule: a leader must give up before anyone else may take over.
    if (c.renewDeadlineSeconds >= c.leaseDurationSeconds) ctx.addIssue({ code: 'custom', path: ['renewDeadlineSeconds'], message: 'must be shorter than --lease-duration-seconds' });
    if (c.retryPeriodSeconds >= c.renewDeadlineSeconds) ctx.addIssue({ code: 'custom', path: ['retryPeriodSeconds'], message: 'must be shorter than --renew-deadline-seconds' });
    // etcd's rule (transport.TLSInfo): "KeyFile and CertFile must both be present".
    if (c.etcdCertFile !== undefined && c.etcdKeyFile === undefined) ctx.addIssue({ code: 'custom', path: ['etcdKeyFile'], message: 'a client certificate (--etcd-cert-file) needs its key' });
    if (c.etcdKeyFile !== undefined && c.etcdCertFile === undefined) ctx.addIssue({ code: 'custom', path: ['etcdCertFile'], message: 'a client key (--etcd-key-file) needs its certificate' });
  }).safeParse(program.opts());
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `--${kebab(String(i.path[0]))}: ${i.message}`).join('\n'));
  }
  return { ...parsed.data, schemaEngineFile: schemaEngineFileOf(parsed.data.schemaEngineFile), etcdPassword: readPassword(parsed.data.etcdPasswordFile, env), etcdTls: etcdTlsOf(parsed.data) };
}

/**
 * The engine file to load, or undefined for none. Given (flag or env): that file, which must load
 * (a missing one stops the operator at start-up, as any unreadable file it was told to use). Given
 * empty: none. Not given: the installation's own (DEFAULT_SCHEMA_ENGINE_FILE) if it is there.
 */
export function schemaEngineFileOf(given: string | undefined, installed: string = DEFAULT_SCHEMA_ENGINE_FILE): string | undefined {
  if (given !== undefined) return given === '' ? undefined : given;
  return existsSync(installed) ? installed : undefined;
}

/** TLS toward etcd from the three file settings, as etcdctl reads its flags (see EtcdTlsFiles). */
export function etcdTlsOf(c: { etcdCaFile?: string | undefined; etcdCertFile?: string | undefined; etcdKeyFile?: string | undefined }): EtcdTlsFiles | undefined {
  if (c.etcdCaFile === undefined && c.etcdCertFile === undefined && c.etcdKeyFile === undefined) return undefined;
  return { caFile: c.etcdCaFile, certFile: c.etcdCertFile, keyFile: c.etcdKeyFile };
}

function readPassword(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (file === undefined) return env.CAIRN_ETCD_PASSWORD;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`--etcd-password-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function kebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
