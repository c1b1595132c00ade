/**
 * The apiserver for the `cairn` command: one pooled kubeconfig, GETs and POSTs of JSON, and errors
 * translated at this edge into the command's own: an apiserver that does not answer is unavailable
 * (exit 3), anything it answers with an error is a KubeAnswerError carrying the HTTP status and the
 * Status message (commands decide what a 404 or a 403 means for them).
 */
import { loadKubeConfig, type PooledKubeConfig } from '../kube/kube-config.ts';
import { ApiStatusError, sendJson } from '../kube/json-request.ts';
import type { CliSettings } from './config.ts';
import { unavailableError, usageError } from './exit-codes.ts';

export class KubeAnswerError extends Error {
  override name = 'KubeAnswerError';
  readonly status: number;

  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

export interface Kube {
  readonly server: string;
  readonly config: PooledKubeConfig;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  close(): Promise<void>;
}

function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string };
    return parsed.message ?? body;
  } catch {
    return body;
  }
}

export function openKube(settings: CliSettings): Kube {
  let config: PooledKubeConfig;
  try {
    config = loadKubeConfig(settings.kubeconfig);
  } catch (error) {
    throw usageError(`the kubeconfig ${settings.kubeconfig ?? '(default)'} cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
  if (settings.context !== undefined) {
    if (config.getContextObject(settings.context) === null) {
      throw usageError(`--context ${settings.context}: no such context in the kubeconfig ${settings.kubeconfig ?? '(default)'} (it has: ${config.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    config.setCurrentContext(settings.context);
  }
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) throw usageError('no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run `npm run dev` here');
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    try {
      return (await sendJson(config, method, path, body, 'application/json', 10_000)) as T;
    } catch (error) {
      if (error instanceof ApiStatusError) throw new KubeAnswerError(error.code, statusMessage(error.body), { cause: error });
      const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
      throw unavailableError(`the apiserver at ${server} did not answer: ${code ?? (error as Error).message}`, { cause: error });
    }
  };
  return {
    server,
    config,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    close: () => config.close(),
  };
}
