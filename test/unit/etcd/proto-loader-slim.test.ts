/**
 * The operator's entry point loads etcd3 without @grpc/proto-loader (and so without protobufjs's
 * `.proto` parser): the whole module graph is loaded by `main.ts --help`, in a child Node that records
 * every module it loads. What etcd3 gets instead is compared with proto-loader in etcd3-proto-loader.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { modulesLoadedBy } from '../../support/modules-loaded.ts';

describe('the operator loads etcd3 without parsing its .proto files', () => {
  it('loads etcd3 and the generated descriptor, and neither proto-loader nor the .proto parser', { timeout: 60_000 }, () => {
    const loaded = modulesLoadedBy('src/main.ts', ['--help']);
    expect(loaded.some((url) => url.endsWith('/node_modules/etcd3/lib/connection-pool.js'))).toBe(true);
    expect(loaded.some((url) => /\/src\/etcd\/etcd3-rpc-descriptor\.ts$/.test(url))).toBe(true);
    expect(loaded.filter((url) => url.includes('/node_modules/@grpc/proto-loader/') || /\/node_modules\/protobufjs\/(src\/(parse|tokenize|common)\.js|ext\/)/.test(url))).toEqual([]);
  });
});
