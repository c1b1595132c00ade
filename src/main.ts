/**
 * The operator's entry point (`node dist/main.js` in the image, `node src/main.ts` locally): enables
 * the compile cache, loads client-node without its generated API and undici without its index
 * (kube/client-node-slim.ts), node:http without the exports that load Node's bundled undici
 * (http-without-web-globals.ts) and etcd3 without parsing its `.proto` files
 * (etcd/proto-loader-slim.ts), then loads the operator (operator.ts) dynamically so that all of them
 * apply to its modules.
 */
import { enableStartupCompileCache } from './compile-cache.ts';
import { slimEtcdProtoLoader } from './etcd/proto-loader-slim.ts';
import { loadHttpWithoutWebGlobals } from './http-without-web-globals.ts';
import { slimClientNode } from './kube/client-node-slim.ts';

enableStartupCompileCache();
slimClientNode();
loadHttpWithoutWebGlobals();
slimEtcdProtoLoader();
const { runOperatorProcess } = await import('./operator.ts');
await runOperatorProcess();
