/**
 * Loads client-node's KubeConfig without its generated API. The operator uses client-node for
 * kubeconfig loading and authentication only (every request goes through undici: json-request.ts,
 * watch-stream.ts), but client-node's config.js imports its generated index, which loads every model
 * and API client: about 870 modules. Measured (Node 24, compiled build, process CPU and heap after a
 * forced GC): importing the whole package costs 0.55 to 0.67 s of CPU, 25 MiB of heap and 77 MiB
 * resident over a bare Node; config.js with the index replaced by client-node-gen.ts 0.28 to
 * 0.36 s, 9 MiB and 36 MiB.
 *
 * Its imports of undici (config.js: the dispatchers it builds; the generated HTTP library, which the
 * operator never calls: fetch) go to kube/undici-core.ts, without undici's index (fetch, WebSocket,
 * caches, mocks: 2.6 MiB of live heap).
 *
 * Guarantees: only those imports of config.js and gen/http/isomorphic-fetch.js are redirected; every
 * other module, client-node's own included, resolves as before. Without the hook (tests importing kube-config.ts directly) the same
 * code runs with the whole package loaded.
 * Assumption: called before anything imports client-node (main.ts, before it imports the operator).
 */
import { registerHooks } from 'node:module';
import { extname } from 'node:path';

const CLIENT_NODE = '/node_modules/@kubernetes/client-node/dist/';

export function slimClientNode(): void {
  // The modules beside this file: .ts from source, .js once compiled.
  const beside = (name: string): string => new URL(`./${name}${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
  // By importing module (in client-node's dist/), then by specifier.
  const redirects = new Map([
    ['config.js', new Map([['./gen/index.js', beside('client-node-gen')], ['undici', beside('undici-core')]])],
    ['gen/http/isomorphic-fetch.js', new Map([['undici', beside('undici-core')]])],
  ]);
  registerHooks({
    resolve: (specifier, context, next) => {
      const parent = context.parentURL ?? '';
      const at = parent.lastIndexOf(CLIENT_NODE);
      const url = at < 0 ? undefined : redirects.get(parent.slice(at + CLIENT_NODE.length))?.get(specifier);
      return url !== undefined ? { url, shortCircuit: true } : next(specifier, context);
    },
  });
}
