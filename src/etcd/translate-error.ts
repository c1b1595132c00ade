/**
 * The boundary: whatever etcd3, grpc-js or cockatiel threw becomes one of Cairn's etcd errors.
 *
 * How etcd3 1.1.2 surfaces failures (node_modules/etcd3/lib/errors.js, connection-pool.js):
 * - `castGrpcError` turns a grpc-js error into a class chosen first by message ("etcdserver:
 *   permission denied" → EtcdPermissionDeniedError, ...), then by gRPC code (4 →
 *   GRPCDeadlineExceededError, 14 → GRPCUnavailableError, ...). The numeric code is lost; the
 *   message keeps grpc-js's "<code> <NAME>: <details>" form.
 * - A host whose circuit breaker is open fails the call with cockatiel's BrokenCircuitError before
 *   anything is sent.
 * - etcd's own refusals arrive as gRPC statuses with "etcdserver: ..." / "mvcc: ..." details.
 *
 * Guarantees: the result is always an EtcdError (or subclass) whose `cause` is the original error.
 * For writes, every failure that cannot prove the request was not applied is EtcdOutcomeUnknownError.
 */
import { isBrokenCircuitError } from 'cockatiel';
import {
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdPermissionDeniedError,
  GRPCUnauthenticatedError,
  isRecoverableError,
} from 'etcd3';
import {
  EtcdError,
  EtcdOutcomeUnknownError,
  EtcdPermissionError,
  EtcdRequestTooLargeError,
  EtcdUnavailableError,
} from './errors.ts';

/** Whether the failed call could have changed etcd state. */
export type CallKind = 'read' | 'write';

/** etcd refused the request for its size: its own check, or grpc-go's message size limit. */
const TOO_LARGE = ['etcdserver: request is too large', 'grpc: received message larger than max', 'grpc: received message after decompression larger than max'];

/**
 * etcd's refusals of the caller as its messages word them: etcd3 has a class for some, not for a
 * request without credentials to an etcd with auth enabled ("user name is empty", InvalidArgument),
 * and a watch etcd cancels carries only this text (a WatchResponse's cancel_reason).
 */
const REFUSED_CALLER = ['etcdserver: permission denied', 'etcdserver: authentication failed', 'etcdserver: invalid auth token', 'etcdserver: user name is empty'];

/**
 * Failures that prove the request never reached etcd's raft log: grpc-js had no connection to send
 * it on, or etcd refused it before proposing it.
 */
const NOT_APPLIED = [
  'No connection established',
  'etcdserver: no leader',
  'etcdserver: too many requests',
  'etcdserver: not capable',
  'mvcc: database space exceeded',
];

/** gRPC codes etcd3 treats as recoverable; used when an error escaped castGrpcError. */
const TRANSIENT_CODES = new Set([1, 2, 4, 8, 10, 13, 14]);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isPermissionFailure(error: unknown): boolean {
  return (
    error instanceof EtcdPermissionDeniedError ||
    error instanceof EtcdAuthenticationFailedError ||
    error instanceof EtcdInvalidAuthTokenError ||
    error instanceof GRPCUnauthenticatedError
  );
}

function isTransientFailure(error: unknown): boolean {
  if (error instanceof Error && isRecoverableError(error)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && TRANSIENT_CODES.has(code);
}

/**
 * Translates a failure of one etcd call. `action` names the call for people ("commit", "read
 * /cairn/data/x"); `kind` says whether the call was a write, which decides between "unavailable"
 * and "outcome unknown" for timeouts and dropped connections.
 */
export function translateEtcdError(error: unknown, action: string, kind: CallKind): EtcdError {
  if (error instanceof EtcdError) return error;
  const message = `${action}: ${messageOf(error)}`;
  const options = { cause: error };
  const text = messageOf(error);

  if (isPermissionFailure(error) || REFUSED_CALLER.some((m) => text.includes(m))) return new EtcdPermissionError(message, options);
  if (TOO_LARGE.some((m) => text.includes(m))) return new EtcdRequestTooLargeError(message, options);
  if (isBrokenCircuitError(error)) return new EtcdUnavailableError(`${action}: etcd endpoint failing, circuit open (${text})`, options);
  if (NOT_APPLIED.some((m) => text.includes(m))) return new EtcdUnavailableError(message, options);
  if (isTransientFailure(error)) {
    return kind === 'write' ? new EtcdOutcomeUnknownError(message, options) : new EtcdUnavailableError(message, options);
  }
  return new EtcdError(message, options);
}

/**
 * A token etcd no longer knows (its TTL passed, or etcd restarted: simple tokens live in its memory).
 * A unary call meeting it is retried by etcd3 after authenticating again; a watch stream keeps the
 * token it was opened with, and etcd cancels a watch created with a stale one.
 */
const STALE_TOKEN = 'etcdserver: invalid auth token';

/**
 * The error for a watch etcd cancelled with `cancelReason`: EtcdPermissionError when it refused the
 * caller. A stale token is not a refusal: the watcher reads before it re-opens, that unary read
 * authenticates again, and the re-opened watch carries the new token (so a reader giving up on a
 * refusal, `cairn watch`, does not end on an expired token).
 */
export function cancelledWatchError(message: string, cancelReason: string): EtcdError {
  const refused = !cancelReason.includes(STALE_TOKEN) && REFUSED_CALLER.some((m) => cancelReason.includes(m));
  return refused ? new EtcdPermissionError(message) : new EtcdError(message);
}

/** Runs one etcd call, translating what it throws. */
export async function etcdCall<T>(action: string, kind: CallKind, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateEtcdError(error, action, kind);
  }
}
