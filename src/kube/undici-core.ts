/**
 * The part of undici the operator uses: its dispatchers (Agent, ProxyAgent: what client-node's
 * KubeConfig builds) and `request`, without undici's index, which loads everything else too (fetch,
 * WebSocket, EventSource, caches, mocks, interceptors): 2.6 MiB of live heap for nothing, in every
 * operator process (Node 24, heap after a forced GC: index 9.2 MiB over a bare Node's 4.1, these
 * modules 6.6).
 *
 * The operator's entry point points client-node's imports of undici here (kube/client-node-slim.ts);
 * Cairn's own requests import `request` from here.
 *
 * Guarantees: the same classes and the same request function undici's index exports (the modules
 * are undici's own; `request` does what the index's does for an absolute URL), and every dispatcher
 * gets undici's request API on its prototype as the index gives it. Without a dispatcher a request
 * goes through undici's global one, as undici's `request` does (client-node sets none when the
 * kubeconfig has no TLS settings at all).
 * Assumption: undici 8's file layout (lib/dispatcher/agent.js, ...). undici has no exports map, so
 * these paths resolve; an upgrade that moves them fails at start-up, in every test that starts the
 * operator.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as typeof Undici.Dispatcher;
const api = require('undici/lib/api/index.js') as { request: (this: Undici.Dispatcher, options: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData> };
const { getGlobalDispatcher } = require('undici/lib/global.js') as { getGlobalDispatcher: typeof Undici.getGlobalDispatcher };

// What undici's index does: request(), stream(), pipeline(), ... on every dispatcher.
Object.assign(Dispatcher.prototype, api);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const ProxyAgent = require('undici/lib/dispatcher/proxy-agent.js') as typeof Undici.ProxyAgent;

export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path'> & { readonly dispatcher?: Undici.Dispatcher | undefined };

/**
 * undici's fetch, its modules loaded on the first call: client-node's generated HTTP library imports
 * it (isomorphic-fetch.js, which config.js loads), and the operator never calls it.
 */
export function fetch(...args: Parameters<typeof Undici.fetch>): ReturnType<typeof Undici.fetch> {
  return (require('undici') as typeof Undici).fetch(...args);
}

/** undici's `request(url, options)` for an absolute URL. */
export function request(url: string | URL, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const { origin, pathname, search } = typeof url === 'string' ? new URL(url) : url;
  return api.request.call(dispatcher, { ...rest, origin, path: `${pathname}${search}` });
}
