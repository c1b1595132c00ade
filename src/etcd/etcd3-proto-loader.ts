/**
 * What etcd3's connection-pool.js gets when it imports @grpc/proto-loader in the operator
 * (proto-loader-slim.ts redirects that one import here): its one call, `loadSync` of etcd3's
 * rpc.proto with etcd3's options, answered from the protobufjs JSON generated from those same files
 * (etcd3-rpc-descriptor.ts) instead of parsing the `.proto` text; any other call goes to the real
 * proto-loader.
 *
 * Why: at every start proto-loader loaded protobufjs whole (its `.proto` parser, descriptor.proto and
 * Google's common types) and then built, beside the codecs gRPC uses, a descriptor of every message
 * for reflection, which a gRPC client never reads: about a sixth of the operator's module loading.
 *
 * Guarantees: the services, paths, stream kinds, method names (originalName, which etcd3 calls) and
 * codecs are the ones proto-loader builds (same protobufjs, the one etcd3's proto-loader resolves;
 * same conversion options); test/unit/etcd/etcd3-proto-loader.test.ts compares them method by method
 * and byte for byte. Message type definitions (reflection) are left out: grpc-js's client constructors
 * do not read them. The descriptor is checked against the installed etcd3 by the same test.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type * as ProtoLoader from '@grpc/proto-loader';
import type * as Protobuf from 'protobufjs';
import { ETCD3_RPC_DESCRIPTOR } from './etcd3-rpc-descriptor.ts';

// etcd3's own proto-loader (the fallback) and what it loads (protobufjs, lodash.camelcase): the same modules, not copies.
const etcd3Main = createRequire(import.meta.url).resolve('etcd3');
const protoLoaderPath = createRequire(etcd3Main).resolve('@grpc/proto-loader');
const fromProtoLoader = createRequire(protoLoaderPath);

/** The file etcd3 loads: `${etcd3}/lib/../proto/rpc.proto`. */
export const ETCD3_RPC_PROTO = resolve(dirname(etcd3Main), '..', 'proto', 'rpc.proto');

/** The options etcd3 1.1.2 passes (node_modules/etcd3/lib/connection-pool.js). */
function isEtcd3Options(options: ProtoLoader.Options | undefined): boolean {
  if (options === undefined) return false;
  const { keepCase, longs, enums, defaults, oneofs, ...rest } = options;
  return keepCase === true && longs === String && enums === String && defaults === true && oneofs === true && Object.keys(rest).length === 0;
}

/** proto-loader's loadSync, answered from the generated descriptor for etcd3's own call. */
export function loadSync(filename: string | string[], options?: ProtoLoader.Options): ProtoLoader.PackageDefinition {
  if (typeof filename !== 'string' || resolve(filename) !== ETCD3_RPC_PROTO || !isEtcd3Options(options)) {
    return (fromProtoLoader(protoLoaderPath) as typeof ProtoLoader).loadSync(filename, options);
  }
  return etcd3Services(options as ProtoLoader.Options);
}

type Message = Protobuf.Type;

function serializer(type: Message): (value: object) => Buffer {
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
}

function deserializer(type: Message, options: ProtoLoader.Options): (bytes: Buffer) => object {
  return (bytes) => type.toObject(type.decode(bytes), options as Protobuf.IConversionOptions);
}

/** Every service of the descriptor as proto-loader defines it for a client (no message type definitions). */
function etcd3Services(options: ProtoLoader.Options): ProtoLoader.PackageDefinition {
  const protobuf = fromProtoLoader('protobufjs/light') as typeof Protobuf;
  const camelCase = fromProtoLoader('lodash.camelcase') as (name: string) => string;
  const root = protobuf.Root.fromJSON(ETCD3_RPC_DESCRIPTOR);
  root.resolveAll();
  const definition: ProtoLoader.PackageDefinition = {};
  const visit = (namespace: Protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Service) {
        const serviceName = nested.fullName.slice(1); // '.etcdserverpb.KV' -> 'etcdserverpb.KV'
        const methods: Record<string, ProtoLoader.MethodDefinition<object, object>> = {};
        for (const method of nested.methodsArray) {
          const request = method.resolvedRequestType as Message;
          const response = method.resolvedResponseType as Message;
          methods[method.name] = {
            path: `/${serviceName}/${method.name}`,
            requestStream: method.requestStream === true,
            responseStream: method.responseStream === true,
            requestSerialize: serializer(request),
            requestDeserialize: deserializer(request, options),
            responseSerialize: serializer(response),
            responseDeserialize: deserializer(response, options),
            originalName: camelCase(method.name),
          } as ProtoLoader.MethodDefinition<object, object>;
        }
        definition[serviceName] = methods as ProtoLoader.ServiceDefinition;
      } else if (nested instanceof protobuf.Namespace) visit(nested);
    }
  };
  visit(root);
  return definition;
}
