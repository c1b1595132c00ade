/**
 * What a reader's calls throw: one class per thing an application can act on, each an Error with the
 * library's original failure as `cause`. Nothing from etcd3, grpc-js or zod reaches the caller: the
 * client translates at its boundary (translate.ts).
 *
 *   NotFoundError          no Cairn-managed value at that key (absent, or a value without a meta record)
 *   SchemaMismatchError    the value is not of the schema the caller asked for, or does not conform to
 *                          the schema its meta names (or that schema is not known to this reader)
 *   IntegrityError         the stored bytes are not what Cairn committed: changed behind Cairn's back
 *                          (sha256 differs from the meta's dataHash), or the meta record is unreadable
 *   UnavailableError       etcd could not serve the read (down, unreachable, no leader): retry later
 *   PermissionDeniedError  etcd answered and refused the caller: its credentials (unknown user, wrong
 *                          password) or its roles (no read permission on the key).
 *                          Retrying cannot help until the credentials or the roles change.
 *   TimeoutError           `atLeast` was not reached within the timeout
 */

/** The code of each error class: what scripts and the `cairn` command branch on. */
export type ReadErrorCode = 'NotFound' | 'SchemaMismatch' | 'IntegrityError' | 'Unavailable' | 'PermissionDenied' | 'Timeout';

/** Base class of every error the client throws. */
export abstract class ReadError extends Error {
  abstract readonly code: ReadErrorCode;
  /** `namespace/key` the call was about, when it was about one key. */
  readonly entry: string | undefined;

  constructor(message: string, options: { cause?: unknown; entry?: string } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.entry = options.entry;
  }
}

export class NotFoundError extends ReadError {
  override name = 'NotFoundError';
  readonly code = 'NotFound';
}

export class SchemaMismatchError extends ReadError {
  override name = 'SchemaMismatchError';
  readonly code = 'SchemaMismatch';
}

export class IntegrityError extends ReadError {
  override name = 'IntegrityError';
  readonly code = 'IntegrityError';
}

export class UnavailableError extends ReadError {
  override name = 'UnavailableError';
  readonly code = 'Unavailable';
}

export class PermissionDeniedError extends ReadError {
  override name = 'PermissionDeniedError';
  readonly code = 'PermissionDenied';
}

export class TimeoutError extends ReadError {
  override name = 'TimeoutError';
  readonly code = 'Timeout';
}

/**
 * True when the read itself did not happen (etcd away, or refusing the caller), as opposed to a
 * verdict on a value that was read (NotFound, SchemaMismatch, IntegrityError): a watch or a list
 * reports the former and retries, and serves the latter as `rejected`.
 */
export function isReadFailure(error: ReadError): boolean {
  return error.code === 'Unavailable' || error.code === 'PermissionDenied';
}
