/**
 * etcd failures as Cairn's own errors. Everything in this folder translates what etcd3 / grpc-js
 * throw into these classes (see translate-error.ts); nothing above this folder branches on etcd3's
 * classes or on gRPC status codes.
 *
 * What a caller may conclude from each class:
 *
 *   EtcdUnavailableError      the request did not take effect (never sent, refused, or a read that
 *                             timed out): retry later with backoff.
 *   EtcdOutcomeUnknownError   a write was (or may have been) sent and no answer came back: it may or
 *                             may not have applied. Re-read before retrying, so nothing applies twice.
 *   EtcdRequestTooLargeError  etcd refused the request for its size: retrying the same request cannot
 *                             help.
 *   EtcdPermissionError       authentication or authorisation failed: retrying cannot help until
 *                             credentials or roles change.
 *   EtcdError                 anything else (also the base class of all of the above).
 */

/** Base class of every etcd failure Cairn reports. `cause` holds the library's original error. */
export class EtcdError extends Error {
  override name = 'EtcdError';

  /** True when the same request may succeed later without any change on our side. */
  get isTransient(): boolean {
    return false;
  }
}

/** etcd could not be reached or could not serve the request (no leader, timeout on a read, ...). */
export class EtcdUnavailableError extends EtcdError {
  override name = 'EtcdUnavailableError';

  override get isTransient(): boolean {
    return true;
  }
}

/**
 * A write whose deadline passed, or whose connection dropped, after it was sent: the transaction may
 * or may not have been applied. The caller must re-read the keys before deciding to retry.
 */
export class EtcdOutcomeUnknownError extends EtcdError {
  override name = 'EtcdOutcomeUnknownError';

  override get isTransient(): boolean {
    return true;
  }
}

/** etcd refused the request as too large (its --max-request-bytes, 1.5 MiB by default). */
export class EtcdRequestTooLargeError extends EtcdError {
  override name = 'EtcdRequestTooLargeError';
}

/** Authentication failed or the user lacks a permission on the key range. */
export class EtcdPermissionError extends EtcdError {
  override name = 'EtcdPermissionError';
}
