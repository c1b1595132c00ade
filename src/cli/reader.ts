/**
 * The reader client (`cairn/client`) for the commands that read etcd (get, watch, types), made from
 * the command's settings, and the client's errors turned into the command's exit codes:
 *   NotFound -> 4, SchemaMismatch and IntegrityError (a value that fails its checks) -> 1,
 *   Unavailable and Timeout -> 3, PermissionDenied -> 5; a namespace or key that cannot name an entry -> 2.
 */
import { readFileSync } from 'node:fs';
import { createClient, type Client, ReadError } from '../client/index.ts';
import { toReadError } from '../client/translate.ts';
import { type CliSettings, requireEtcd } from './config.ts';
import { CliError, EXIT, type ExitCode, usageError } from './exit-codes.ts';

function pem(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw usageError(`--${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

/** The etcd connection settings with certificate files read (PEM contents), as both clients take them. */
export function etcdConnection(settings: CliSettings): { endpoints: readonly string[]; requestTimeoutMs: number; tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer }; auth?: { username: string; password: string } } {
  const etcd = requireEtcd(settings);
  const files = etcd.tls === undefined ? undefined : { ca: pem('etcd-ca-file', etcd.tls.caFile), cert: pem('etcd-cert-file', etcd.tls.certFile), key: pem('etcd-key-file', etcd.tls.keyFile) };
  return {
    endpoints: etcd.endpoints,
    requestTimeoutMs: etcd.timeoutMs,
    ...(files === undefined ? {} : { tls: Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)) }),
    ...(etcd.username === undefined ? {} : { auth: { username: etcd.username, password: etcd.password ?? '' } }),
  };
}

export function openReader(settings: CliSettings): Client {
  return createClient({ ...etcdConnection(settings), prefix: settings.prefix });
}

const EXIT_OF: Record<ReadError['code'], ExitCode> = {
  NotFound: EXIT.notFound,
  SchemaMismatch: EXIT.findings,
  IntegrityError: EXIT.findings,
  Unavailable: EXIT.unavailable,
  PermissionDenied: EXIT.denied,
  Timeout: EXIT.unavailable,
};

/**
 * A failure of a command's own etcd reads (diff, doctor) classified as the client classifies one:
 * PermissionDenied (exit 5) when etcd refused the caller, Unavailable (exit 3) otherwise.
 */
export function etcdReadError(error: unknown, endpoints: readonly string[]): CliError {
  const read = toReadError(error, 'read');
  return new CliError(EXIT_OF[read.code], `${read.code}: etcd at ${endpoints.join(', ')}: ${read.message}`, { cause: read });
}

/** A client failure as the command's error (its code in the message: `IntegrityError: ...`). */
export function asCliError(error: unknown): unknown {
  if (error instanceof ReadError) return new CliError(EXIT_OF[error.code], `${error.code}: ${error.message}`, { cause: error });
  if (error instanceof RangeError) return usageError(error.message, { cause: error });
  return error;
}

/** `NS/KEY` (or `NS` alone when `keyRequired` is false) -> its parts; a usage error otherwise. */
export function parseEntryName(text: string, keyRequired: boolean): { namespace: string; key: string } {
  const slash = text.indexOf('/');
  const namespace = slash < 0 ? text : text.slice(0, slash);
  const key = slash < 0 ? '' : text.slice(slash + 1);
  if (namespace === '') throw usageError(`${JSON.stringify(text)}: a namespace comes first, as NAMESPACE/KEY`);
  if (keyRequired && key === '') throw usageError(`${JSON.stringify(text)}: name an entry as NAMESPACE/KEY (for example cairn-demo/checkout/db)`);
  return { namespace, key };
}
