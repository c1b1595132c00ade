/**
 * Loads etcd3 without @grpc/proto-loader: etcd3's connection-pool.js parses its `.proto` files with
 * proto-loader at every start; this resolve hook points that one import at etcd3-proto-loader.ts,
 * which builds the same gRPC services from a descriptor generated from those files.
 *
 * Guarantees: only etcd3's connection-pool.js's import of @grpc/proto-loader is redirected; every
 * other module resolves as before. Without the hook (tests, the CLI, the reader client) etcd3 loads as
 * it always did.
 * Assumption: called before anything imports etcd3 (main.ts, before it imports the operator).
 */
import { registerHooks } from 'node:module';
import { extname } from 'node:path';

const CONNECTION_POOL = '/node_modules/etcd3/lib/connection-pool.js';

export function slimEtcdProtoLoader(): void {
  // The shim beside this file: etcd3-proto-loader.ts from source, etcd3-proto-loader.js once compiled.
  const shim = new URL(`./etcd3-proto-loader${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
  registerHooks({
    resolve: (specifier, context, next) => (specifier === '@grpc/proto-loader' && context.parentURL?.endsWith(CONNECTION_POOL) ? { url: shim, shortCircuit: true } : next(specifier, context)),
  });
}
