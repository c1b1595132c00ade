/**
 * The operator's entry point (`node dist/main.js` in the image, `node src/main.ts` locally): enables
 * the compile cache and loads client-node without its generated API (kube/client-node-slim.ts), then
 * loads the operator (operator.ts) dynamically so that both apply to its modules.
 */
import { enableStartupCompileCache } from './compile-cache.ts';
import { slimClientNode } from './kube/client-node-slim.ts';

enableStartupCompileCache();
slimClientNode();
const { runOperatorProcess } = await import('./operator.ts');
await runOperatorProcess();
