/**
 * The operator's entry point (`node dist/main.js` in the image, `node src/main.ts` locally): enables
 * the compile cache, loads client-node without its generated API and undici without its index
 * (kube/client-node-slim.ts), node:http without the exports that load Node's bundled undici
 * (http-without-web-globals.ts) and etcd3 without parsing its `.proto` files
 * (etcd/proto-loader-slim.ts); reads the configuration and sends the first lists (start-up.ts), then
 * loads the operator (operator.ts) dynamically, so that all of these apply to its modules and the
 * apiserver builds the lists while they load.
 */
import { enableStartupCompileCache } from './compile-cache.ts';
import { slimEtcdProtoLoader } from './etcd/proto-loader-slim.ts';
import { loadHttpWithoutWebGlobals } from './http-without-web-globals.ts';
import { slimClientNode } from './kube/client-node-slim.ts';

enableStartupCompileCache();
slimClientNode();
loadHttpWithoutWebGlobals();
slimEtcdProtoLoader();
const { configOrExit, sendFirstLists } = await import('./start-up.ts');
const config = configOrExit(process.argv.slice(2), process.env);
const firstLists = await sendFirstLists(config);
const { runOperatorProcess } = await import('./operator.ts');
await runOperatorProcess(config, firstLists);
