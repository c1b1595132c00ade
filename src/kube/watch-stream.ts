/**
 * One watch request to the apiserver, streamed with undici's `request` and client-node's
 * authentication (like json-request.ts): each line of the response is one watch event. Replaces
 * client-node's Watch on the informer's hot path, which goes through fetch, web streams and readline
 * for every event.
 *
 * Contract: `onEvent` is called for every event in order; `onDone` exactly once, with the error if
 * the request failed (an ApiStatusError for a non-200 answer, e.g. 410), with a TimeoutError when
 * nothing arrived for `silenceMs` (the watchdog), or with undefined when the server ended the stream.
 * `abort()` ends it without calling `onDone`.
 */
import { RequestContext } from '@kubernetes/client-node';
import { type Dispatcher, request } from 'undici';
import { ApiStatusError } from './json-request.ts';
import type { WatchHandle } from './informer.ts';
import type { PooledKubeConfig } from './kube-config.ts';

export class WatchSilentError extends Error {
  override name = 'TimeoutError';
}

export async function watchStream(
  kubeConfig: PooledKubeConfig,
  path: string,
  query: Record<string, string>,
  silenceMs: number,
  onEvent: (type: string, object: unknown) => void,
  onDone: (error: unknown) => void,
): Promise<WatchHandle> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${server}${path}`);
  url.searchParams.set('watch', 'true');
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const context = new RequestContext(url.toString(), 'GET' as never);
  await kubeConfig.applySecurityAuthentication(context);

  const controller = new AbortController();
  let finished = false;
  const finish = (error: unknown): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    controller.abort();
    onDone(error);
  };
  let timer = setTimeout(() => finish(new WatchSilentError(`no watch event for ${silenceMs} ms`)), silenceMs);
  const quiet = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => finish(new WatchSilentError(`no watch event for ${silenceMs} ms`)), silenceMs);
  };

  try {
    const response = await request(url, { method: 'GET', headers: { ...context.getHeaders(), accept: 'application/json' }, dispatcher: context.getDispatcher() as Dispatcher | undefined, signal: controller.signal });
    if (response.statusCode !== 200) {
      const body = await response.body.text().catch(() => '');
      finish(new ApiStatusError(response.statusCode, body));
    } else {
      let buffered = '';
      response.body.setEncoding('utf8');
      response.body.on('data', (chunk: string) => {
        quiet();
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim() !== '') {
            const event = JSON.parse(line) as { type: string; object: unknown };
            onEvent(event.type, event.object);
          }
          newline = buffered.indexOf('\n');
        }
      });
      response.body.on('error', (error) => finish(error));
      response.body.on('end', () => finish(undefined));
    }
  } catch (error) {
    finish(error);
  }
  return {
    abort: () => {
      finished = true;
      clearTimeout(timer);
      controller.abort();
    },
  };
}
