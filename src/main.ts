/**
 * The operator's entry point (`node dist/main.js` in the image, `node src/main.ts` locally): enables
 * the compile cache, then loads the operator (operator.ts) dynamically so that its modules are the
 * ones cached.
 */
import { enableStartupCompileCache } from './compile-cache.ts';

enableStartupCompileCache();
const { runOperatorProcess } = await import('./operator.ts');
await runOperatorProcess();
