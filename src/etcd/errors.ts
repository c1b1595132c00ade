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
 *   EtcdPermissionError       authentication or authorisation failed: retried with backoff until
 *                             credentials or roles change.
 *   EtcdWatchCompactedError   etcd cancelled a watch because the revision it was to resume from is
 *                             compacted: no failure of etcd; the watcher reads again (reason 'compacted').
 *   EtcdError                 anything else (also the base class of all of the above).
 */
import { COMMIT_UNKNOWN, DATA_TOO_LARGE, ETCD_UNAVAILABLE } from '../api/conditions.ts';
import { CairnError, type FailureClass } from '../domain/errors.ts';

/**
 * Base class of every etcd failure Cairn reports. `cause` holds the library's original error. Each
 * class carries the condition reason and failure class the error policy needs (domain/errors.ts),
 * so nothing above this folder has to know which etcd error it was.
 */
export class EtcdError extends CairnError {
  override name = 'EtcdError';
  readonly failureClass: FailureClass;

  constructor(message: string, options: { cause?: unknown } = {}, reason = 'EtcdError', failureClass: FailureClass = 'transient') {
    super(reason, message, options);
    this.failureClass = failureClass;
  }
}

/** etcd could not be reached or could not serve the request (no leader, timeout on a read, ...). */
export class EtcdUnavailableError extends EtcdError {
  override name = 'EtcdUnavailableError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options, ETCD_UNAVAILABLE, 'transient');
  }
}

/**
 * A write whose deadline passed, or whose connection dropped, after it was sent: the transaction may
 * or may not have been applied. The caller must re-read the keys before deciding to retry.
 */
export class EtcdOutcomeUnknownError extends EtcdError {
  override name = 'EtcdOutcomeUnknownError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options, COMMIT_UNKNOWN, 'transient');
  }
}

/** etcd refused the request as too large (its --max-request-bytes, 1.5 MiB by default). */
export class EtcdRequestTooLargeError extends EtcdError {
  override name = 'EtcdRequestTooLargeError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options, DATA_TOO_LARGE, 'terminal');
  }
}

/**
 * Authentication failed or the user lacks a permission on the key range. Retried with backoff:
 * credentials and roles are fixed outside the entry, without a change to its spec.
 */
export class EtcdPermissionError extends EtcdError {
  override name = 'EtcdPermissionError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options, 'EtcdPermissionDenied', 'transient');
  }
}

/**
 * etcd cancelled a watch because the revision it was to resume from is compacted. etcd is fine: the
 * watcher reads the prefix again and hands it over (onResync, reason 'compacted'). Reported all the
 * same (the operator logs it); a caller saying "etcd is away" ignores it.
 */
export class EtcdWatchCompactedError extends EtcdError {
  override name = 'EtcdWatchCompactedError';
}
