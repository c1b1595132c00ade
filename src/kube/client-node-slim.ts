/**
 * Loads client-node's KubeConfig without its generated API. The operator uses client-node for
 * kubeconfig loading and authentication only (every request goes through undici: json-request.ts,
 * watch-stream.ts), but client-node's config.js imports its generated index, which loads every model
 * and API client: about 870 modules. Measured (Node 24, compiled build, process CPU and heap after a
 * forced GC): importing the whole package costs 0.55 to 0.67 s of CPU, 25 MiB of heap and 77 MiB
 * resident over a bare Node; config.js with the index replaced by client-node-gen.ts 0.28 to
 * 0.36 s, 9 MiB and 36 MiB.
 *
 * Guarantees: only config.js's import of ./gen/index.js is redirected; every other module, client-node's
 * own included, resolves as before. Without the hook (tests importing kube-config.ts directly) the same
 * code runs with the whole package loaded.
 * Assumption: called before anything imports client-node (main.ts, before it imports the operator).
 */
import { registerHooks } from 'node:module';
import { extname } from 'node:path';

const CONFIG_MODULE = '/node_modules/@kubernetes/client-node/dist/config.js';

export function slimClientNode(): void {
  // The shim beside this file: client-node-gen.ts from source, client-node-gen.js once compiled.
  const shim = new URL(`./client-node-gen${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
  registerHooks({
    resolve: (specifier, context, next) => (specifier === './gen/index.js' && context.parentURL?.endsWith(CONFIG_MODULE) ? { url: shim, shortCircuit: true } : next(specifier, context)),
  });
}
