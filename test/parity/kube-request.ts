/**
 * One JSON request to the apiserver for the judges (client-node's authentication, undici's request):
 * the status, the body (parsed when JSON, else the text) and the warning headers' texts. Never throws
 * on an HTTP status; a judge decides what a status means.
 */
import { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { type Dispatcher, request } from 'undici';

export interface Response {
  readonly status: number;
  readonly body: unknown;
  readonly warnings: string[];
}

export type KubeRequest = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<Response>;

/** `299 - "text"` warning headers (several may share one header, comma-separated) -> texts. */
function warningsOf(header: string | string[] | undefined): string[] {
  const texts: string[] = [];
  for (const line of header === undefined ? [] : [header].flat()) {
    for (const match of line.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) texts.push((match[1] ?? '').replace(/\\(.)/g, '$1'));
  }
  return texts;
}

export function kubeRequester(kubeconfigPath: string): KubeRequest {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return async (method, path, body) => {
    const server = kubeConfig.getCurrentCluster()?.server ?? '';
    const context = new RequestContext(`${server}${path}`, method as never);
    await kubeConfig.applySecurityAuthentication(context);
    const response = await request(context.getUrl(), {
      method,
      headers: { ...context.getHeaders(), accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: context.getDispatcher() as Dispatcher | undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.body.text();
    const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
    return { status: response.statusCode, body: isJson ? JSON.parse(text) : text, warnings: warningsOf(response.headers.warning) };
  };
}
