/**
 * One watch request to the apiserver, streamed with undici's `request` and client-node's
 * authentication (like json-request.ts): each line of the response is one watch event. Replaces
 * client-node's Watch on the informer's hot path, which goes through fetch, web streams and readline
 * for every event.
 *
 * Contract: `onEvent` is called for every well-formed event in order; `onDone` exactly once, with the
 * error if the request failed (an ApiStatusError for a non-200 answer, e.g. 410), with a TimeoutError
 * when nothing arrived for `silenceMs` (the watchdog), or with undefined when the server ended the
 * stream. `abort()` ends it without calling `onDone`.
 *
 * Guarantees: no callback throws into undici's stream. A line that is not a JSON watch event, and an
 * `onEvent` or `onDone` that throws, go to `onBadEvent` as a BadWatchEventError; the stream goes on
 * with the next line. What was skipped stays out of the informer's cache until that object's next
 * event or the next list (after a 410); the informer has no periodic resync that would repair it.
 */
import { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import type { Dispatcher } from 'undici';
import { request } from './undici-core.ts';
import { ApiStatusError } from './json-request.ts';
import type { WatchHandle } from './informer.ts';
import type { PooledKubeConfig } from './kube-config.ts';

export class WatchSilentError extends Error {
  override name = 'TimeoutError';
}

/** `malformed`: a line that is not a JSON watch event; `handler`: our own callback threw on an event. */
export type BadWatchEventReason = 'malformed' | 'handler';

/** An event skipped. Its message never quotes the line: an event carries a whole object, user data. */
export class BadWatchEventError extends Error {
  override name = 'BadWatchEventError';
  readonly reason: BadWatchEventReason;

  constructor(reason: BadWatchEventReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

export interface WatchStreamOptions {
  /** The collection's path, e.g. `/apis/cairn.dev/v1alpha1/configentries`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The watchdog: a stream that delivers nothing for this long ends with a TimeoutError. */
  readonly silenceMs: number;
  readonly onEvent: (type: string, object: unknown) => void;
  readonly onDone: (error: unknown) => void;
  /** Told of every skipped event (log it, count it); must not throw (if it does, that is swallowed). */
  readonly onBadEvent: (error: BadWatchEventError) => void;
}

/** Parses one line of a watch response; undefined when it is not `{"type": string, "object": ...}`. */
function parseEvent(line: string): { type: string; object: unknown } | undefined {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (event === null || typeof event !== 'object') return undefined;
  const { type, object } = event as { type?: unknown; object?: unknown };
  return typeof type === 'string' && object !== undefined ? { type, object } : undefined;
}

export async function watchStream(kubeConfig: PooledKubeConfig, options: WatchStreamOptions): Promise<WatchHandle> {
  const { silenceMs } = options;
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(`${server}${options.path}`);
  url.searchParams.set('watch', 'true');
  for (const [k, v] of Object.entries(options.query)) url.searchParams.set(k, v);
  const context = new RequestContext(url.toString(), 'GET' as never);
  await kubeConfig.applySecurityAuthentication(context);

  const reportBad = (error: BadWatchEventError): void => {
    try {
      options.onBadEvent(error);
    } catch {
      // the reporter's own failure has nowhere else to go
    }
  };
  const deliver = (line: string): void => {
    const event = parseEvent(line);
    if (event === undefined) {
      reportBad(new BadWatchEventError('malformed', `skipped a watch line of ${line.length} characters on ${options.path}: not a JSON watch event`));
      return;
    }
    try {
      options.onEvent(event.type, event.object);
    } catch (error) {
      reportBad(new BadWatchEventError('handler', `the handler of a ${event.type} watch event on ${options.path} threw; event skipped`, { cause: error }));
    }
  };

  const controller = new AbortController();
  let finished = false;
  const finish = (error: unknown): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    controller.abort();
    try {
      options.onDone(error);
    } catch (thrown) {
      reportBad(new BadWatchEventError('handler', `the end-of-watch handler on ${options.path} threw`, { cause: thrown }));
    }
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
        if (finished) return; // aborted: whatever is still buffered belongs to no one
        quiet();
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0 && !finished) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim() !== '') deliver(line);
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
