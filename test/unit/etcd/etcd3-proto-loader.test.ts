/**
 * What etcd3 gets from etcd3-proto-loader.ts is what @grpc/proto-loader gives it (the oracle: the real
 * proto-loader parsing etcd3's own .proto files): every service, path, stream kind and method name,
 * and codecs that write the same bytes and read the same objects, for a sample of every request and
 * response type with every field set (int64 past 2^53, bytes, enums, repeated and nested fields).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as ProtoLoader from '@grpc/proto-loader';
import type * as Protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ETCD3_RPC_PROTO, loadSync } from '../../../src/etcd/etcd3-proto-loader.ts';
import { DESCRIPTOR_FILE, descriptorSource } from '../../../tools/etcd3-proto/generate.ts';

const fromEtcd3 = createRequire(createRequire(import.meta.url).resolve('etcd3'));
const protoLoader = createRequire(fromEtcd3.resolve('@grpc/proto-loader'))('@grpc/proto-loader') as typeof ProtoLoader;
const ETCD3_OPTIONS: ProtoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

type Method = ProtoLoader.MethodDefinition<object, object> & { requestType: ProtoLoader.MessageTypeDefinition; responseType: ProtoLoader.MessageTypeDefinition };
const isService = (d: ProtoLoader.AnyDefinition): boolean => !('format' in d);

const expected = protoLoader.loadSync(ETCD3_RPC_PROTO, ETCD3_OPTIONS);
const actual = loadSync(ETCD3_RPC_PROTO, ETCD3_OPTIONS);
const services = Object.keys(expected).filter((name) => isService(expected[name] as ProtoLoader.AnyDefinition));
const methods = services.flatMap((service) => Object.keys(expected[service] as object).map((method) => [service, method] as const));

// The message types, from protobufjs as proto-loader parsed them, to build samples from.
const protobuf = createRequire(fromEtcd3.resolve('@grpc/proto-loader'))('protobufjs') as typeof Protobuf;
const root = new protobuf.Root().loadSync(ETCD3_RPC_PROTO, { keepCase: true });
root.resolveAll();

/** A value for every field (the first of each oneof), nested messages to `depth`. */
function sampleOf(type: Protobuf.Type, depth: number): Record<string, unknown> {
  const sample: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (field.partOf && field.partOf.oneof[0] !== field.name) continue;
    const one = valueOf(field, depth);
    if (one === undefined) continue;
    sample[field.name] = field.repeated ? [one, one] : one;
  }
  return sample;
}

function valueOf(field: Protobuf.Field, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return Object.keys(resolved.values).at(-1);
  if (resolved instanceof protobuf.Type) return depth > 0 ? sampleOf(resolved, depth - 1) : undefined;
  switch (field.type) {
    case 'string':
      return `${field.name} é`;
    case 'bytes':
      return Buffer.from([0, 1, 254, 255]);
    case 'bool':
      return true;
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return '9007199254740993';
    case 'double':
    case 'float':
      return 1.5;
    default:
      return 7;
  }
}

describe('etcd3 codecs from the generated descriptor', () => {
  it('the descriptor is what protobufjs parses from the installed etcd3 .proto files', () => {
    expect(readFileSync(DESCRIPTOR_FILE, 'utf8')).toBe(descriptorSource());
  });

  it('defines the same services, each with the same methods, paths, stream kinds and names', () => {
    expect(services.length).toBeGreaterThanOrEqual(6);
    expect(Object.keys(actual).sort()).toEqual([...services].sort());
    for (const [service, method] of methods) {
      const want = (expected[service] as Record<string, Method>)[method] as Method;
      const got = (actual[service] as Record<string, Method>)[method] as Method;
      expect({ path: got.path, requestStream: got.requestStream, responseStream: got.responseStream, originalName: got.originalName }, `${service}.${method}`).toEqual({
        path: want.path,
        requestStream: want.requestStream,
        responseStream: want.responseStream,
        originalName: want.originalName,
      });
    }
  });

  it.each(methods)('%s.%s: requests and responses are written to the same bytes and read to the same objects', (service, method) => {
    const want = (expected[service] as Record<string, Method>)[method] as Method;
    const got = (actual[service] as Record<string, Method>)[method] as Method;
    const protoMethod = root.lookupService(service).methods[method] as Protobuf.Method;
    for (const [type, serialize, serializeWant, deserialize, deserializeWant] of [
      [protoMethod.resolvedRequestType, got.requestSerialize, want.requestSerialize, got.requestDeserialize, want.requestDeserialize],
      [protoMethod.resolvedResponseType, got.responseSerialize, want.responseSerialize, got.responseDeserialize, want.responseDeserialize],
    ] as const) {
      for (const value of [{}, sampleOf(type as Protobuf.Type, 3)]) {
        const bytes = serializeWant(value);
        expect(Buffer.from(serialize(value))).toEqual(Buffer.from(bytes));
        expect(deserialize(bytes)).toEqual(deserializeWant(bytes));
      }
    }
  });

  it('passes any other file or options to proto-loader itself', () => {
    const other = loadSync(ETCD3_RPC_PROTO, { ...ETCD3_OPTIONS, longs: Number });
    expect(Object.keys(other).some((name) => !isService(other[name] as ProtoLoader.AnyDefinition))).toBe(true); // proto-loader also defines message types
  });
});
