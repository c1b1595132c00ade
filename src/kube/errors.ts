/**
 * Kubernetes API failures as Cairn's own errors. The adapters in this folder translate
 * client-node's ApiException (and network failures) here; nothing above branches on client-node.
 * Their failure class: 409 -> conflict (a precondition no longer holds); other 4xx except 429 ->
 * terminal for this reconcile (404: the object is gone); 5xx, 429 and unreachable -> transient. Both
 * say `fromKubernetesApi`, so the error policy writes no status for them: a write to the apiserver
 * that just failed would most likely fail again.
 */
import { CairnError, type FailureClass } from '../domain/errors.ts';

const KUBERNETES_API = 'KubernetesAPIError';

/** A failure the apiserver answered with an HTTP status (a Status object, usually). */
export class KubeApiError extends CairnError {
  override name = 'KubeApiError';
  readonly failureClass: FailureClass;
  override readonly fromKubernetesApi = true;
  readonly status: number;
  /** The Status object's reason (Conflict, NotFound, ...), when the apiserver gave one. */
  readonly statusReason: string | undefined;

  constructor(status: number, message: string, statusReason: string | undefined, options: { cause?: unknown } = {}) {
    super(KUBERNETES_API, message, options);
    this.status = status;
    this.statusReason = statusReason;
    this.failureClass = status === 409 ? 'conflict' : status >= 400 && status < 500 && status !== 429 ? 'terminal' : 'transient';
  }

  /** 409: a precondition (resourceVersion, uid) no longer holds; read again and retry. */
  get isConflict(): boolean {
    return this.status === 409;
  }

  /** 404: the object (or the resource type) does not exist. */
  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** The apiserver could not be reached at all (connection refused, reset, timeout). */
export class KubeUnreachableError extends CairnError {
  override name = 'KubeUnreachableError';
  readonly failureClass = 'transient' as const;
  override readonly fromKubernetesApi = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(KUBERNETES_API, message, options);
  }
}

interface StatusBody {
  readonly message?: string;
  readonly reason?: string;
}

function parseStatus(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as StatusBody;
}

/** Translates anything a client-node call threw into KubeApiError or KubeUnreachableError. */
export function translateKubeError(error: unknown, action: string): Error {
  if (error instanceof KubeApiError || error instanceof KubeUnreachableError) return error;
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown; message?: string };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined && status >= 100) {
    const body = parseStatus(e.body);
    // No `cause`: client-node's exception message repeats the whole response (body and headers),
    // and loggers print the cause chain; status, reason and message are what matter.
    return new KubeApiError(status, `${action}: ${body.message ?? `HTTP ${status}`}`, body.reason);
  }
  return new KubeUnreachableError(`${action}: ${e.message ?? String(error)}`, { cause: error });
}

/** Runs a client-node call, translating what it throws. */
export async function kubeCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateKubeError(error, action);
  }
}
