/**
 * What client-node's KubeConfig (dist/config.js) imports from its generated API (dist/gen/index.js),
 * and nothing else: the two names it uses to build an API client's configuration, which the
 * operator never asks for. See client-node-slim.ts, which points config.js here.
 *
 * Assumption: config.js of the pinned client-node (2.0.1) imports exactly these names from
 * ./gen/index.js. If an upgrade imports another, linking fails at start-up with "does not provide an
 * export named ...", loudly, in every test that starts the operator.
 */
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
