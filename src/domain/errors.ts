/**
 * Failure classes. One error policy (controller/error-policy.ts) maps them to what happens next;
 * adapters translate library errors into these at the boundary, so nothing above branches on a
 * library's error class.
 *
 *   terminal   retrying cannot help until the spec changes
 *   transient  the world may heal (etcd down, timeout)
 *   conflict   a precondition no longer holds (a 409: the informer cache lags the apiserver)
 *
 * What each means for status and requeue is the error policy's to decide, not the error's.
 */
import { FENCE_UNAVAILABLE, FENCING_LOST } from '../api/conditions.ts';

export type FailureClass = 'terminal' | 'transient' | 'conflict';

interface CairnErrorOptions {
  readonly cause?: unknown;
}

/** Base of Cairn's errors: a condition reason (api/conditions.ts) and a message for people. */
export abstract class CairnError extends Error {
  abstract readonly failureClass: FailureClass;
  readonly reason: string;
  /** True when a request to the Kubernetes API failed (the kind of request a status write is). */
  readonly fromKubernetesApi: boolean = false;

  constructor(reason: string, message: string, options: CairnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}

/** Retrying cannot help until the spec (or another entry) changes. */
export class TerminalError extends CairnError {
  readonly failureClass = 'terminal' as const;
  override readonly name: string = 'TerminalError';
}

/** May succeed later without any change: retry with per-key backoff. */
export class TransientError extends CairnError {
  readonly failureClass = 'transient' as const;
  override readonly name: string = 'TransientError';
}

/**
 * This replica's fencing token is stale: another leader took over. Transient for the key (another
 * replica will reconcile it); the manager should also stop leading. Never retried at once.
 */
export class FencingLostError extends TransientError {
  override readonly name: string = 'FencingLostError';
  constructor(message: string, options: CairnErrorOptions = {}) {
    super(FENCING_LOST, message, options);
  }
}

/**
 * This replica has no fence for now, though nobody took it: its own fence move failed (etcd down, or
 * the move's outcome unknown) and its epoch is fencing again. Nothing is written meanwhile; the key is
 * retried, rate limited, and the takeover queues every entry once fenced.
 */
export class FenceUnavailableError extends TransientError {
  override readonly name: string = 'FenceUnavailableError';
  constructor(message: string, options: CairnErrorOptions = {}) {
    super(FENCE_UNAVAILABLE, message, options);
  }
}

/** The class of any thrown value: Cairn's own errors say; anything else is treated as transient. */
export function classifyError(error: unknown): FailureClass {
  return error instanceof CairnError ? error.failureClass : 'transient';
}
