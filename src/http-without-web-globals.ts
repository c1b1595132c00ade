/**
 * Points ES-module imports of node:http at http-facade.ts, which leaves out the exports that load
 * Node's bundled undici (see there). CommonJS `require('node:http')` is left as it is: it reads no
 * export it does not use.
 *
 * Assumption: called before anything imports node:http from an ES module (main.ts, before it imports
 * the operator); module.registerHooks (synchronous, in this thread) sees `import` and `require` alike,
 * told apart by the 'import' condition.
 */
import { registerHooks } from 'node:module';
import { extname } from 'node:path';

export function loadHttpWithoutWebGlobals(): void {
  // The facade beside this file: http-facade.ts from source, http-facade.js once compiled.
  const facade = new URL(`./http-facade${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
  registerHooks({
    resolve: (specifier, context, next) =>
      (specifier === 'node:http' || specifier === 'http') && context.conditions.includes('import') && context.parentURL !== facade ? { url: facade, shortCircuit: true } : next(specifier, context),
  });
}
