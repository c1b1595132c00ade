/**
 * node:http as an ES module, without the exports that load Node's bundled undici. Importing
 * node:http from an ES module builds its namespace from every export, WebSocket, CloseEvent and
 * MessageEvent included: lazy getters that load Node's own copy of undici (fetch, WebSocket, ...),
 * 1.8 MiB of live heap (Node 24, heap after a forced GC) that the operator never uses. The
 * operator's entry point points ES-module imports of node:http here (http-without-web-globals.ts):
 * Cairn's health server, client-node's KubeConfig, agent-base.
 *
 * Guarantees: the same module object (the default export) and the same values under the same names,
 * except those three; a module that imports one of them fails at start-up ("does not provide an
 * export named"), loudly, in every test that starts the operator.
 */
import { createRequire } from 'node:module';

const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** Node 24.21's names beyond @types/node's (test/unit/http-facade.test.ts holds the list to the running Node's). */
const more = http as typeof http & { readonly _connectionListener: unknown; readonly setGlobalProxyFromEnv: unknown };

export default http;
export const { _connectionListener, setGlobalProxyFromEnv } = more;
export const {
  METHODS,
  STATUS_CODES,
  Agent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  get,
  globalAgent,
  maxHeaderSize,
  request,
  setMaxIdleHTTPParsers,
  validateHeaderName,
  validateHeaderValue,
} = http;
