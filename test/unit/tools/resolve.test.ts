import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { componentOf } from '../../../tools/binaries/components.ts';
import { recipeOf, writeRecipe } from '../../../tools/binaries/recipe.ts';
import { SuppliedBinaryMissingError, resolveBinary, testAssetVariable } from '../../../tools/binaries/resolve.ts';

function executable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe("resolving binaries in envtest's order", () => {
  const root = mkdtempSync(join(tmpdir(), 'cairn-resolve-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const cacheDir = join(root, 'cache');
  const cached = executable(join(cacheDir, 'bin', 'kubernetes-v1.37.2'), 'kube-apiserver');
  writeRecipe(join(cacheDir, 'bin', 'kubernetes-v1.37.2'), componentOf('kube-apiserver'), 'kube-apiserver');
  const assets = join(root, 'assets');
  const fromAssets = executable(assets, 'kube-apiserver');
  const supplied = executable(join(root, 'supplied'), 'my-apiserver');

  it.each([
    ['kube-apiserver', 'TEST_ASSET_KUBE_APISERVER'],
    ['etcdctl', 'TEST_ASSET_ETCDCTL'],
  ] as const)('names the variable for %s %s', (name, variable) => {
    expect(testAssetVariable(name)).toBe(variable);
  });

  it('prefers TEST_ASSET_*, then KUBEBUILDER_ASSETS, then the cache', () => {
    const env = { CAIRN_CACHE_DIR: cacheDir, KUBEBUILDER_ASSETS: assets, TEST_ASSET_KUBE_APISERVER: supplied };
    expect(resolveBinary('kube-apiserver', env)).toEqual({ name: 'kube-apiserver', path: supplied, source: 'TEST_ASSET' });
    expect(resolveBinary('kube-apiserver', { ...env, TEST_ASSET_KUBE_APISERVER: '' })).toEqual({ name: 'kube-apiserver', path: fromAssets, source: 'KUBEBUILDER_ASSETS' });
    expect(resolveBinary('kube-apiserver', { CAIRN_CACHE_DIR: cacheDir })).toEqual({ name: 'kube-apiserver', path: cached, source: 'cache' });
  });

  it('falls through KUBEBUILDER_ASSETS when it lacks the binary, and reports a missing one as undefined', () => {
    expect(resolveBinary('kubectl', { CAIRN_CACHE_DIR: cacheDir, KUBEBUILDER_ASSETS: assets })).toBeUndefined();
  });

  it('rebuilds a cached binary whose recipe (package, version stamps) is not the current one', () => {
    const dir = join(root, 'stale', 'bin', 'kubernetes-v1.37.2');
    executable(dir, 'kube-apiserver');
    expect(resolveBinary('kube-apiserver', { CAIRN_CACHE_DIR: join(root, 'stale') })).toBeUndefined(); // no recipe at all
    writeFileSync(join(dir, '.kube-apiserver.recipe'), '{"version":"v1.37.2","goPackage":"k8s.io/kubernetes/cmd/kube-apiserver","versionStamps":[]}\n');
    expect(resolveBinary('kube-apiserver', { CAIRN_CACHE_DIR: join(root, 'stale') })).toBeUndefined(); // stamps changed
    writeRecipe(dir, componentOf('kube-apiserver'), 'kube-apiserver');
    expect(resolveBinary('kube-apiserver', { CAIRN_CACHE_DIR: join(root, 'stale') })?.source).toBe('cache');
  });

  it('refuses a TEST_ASSET_* path that is not an executable instead of silently using another binary', () => {
    expect(() => resolveBinary('etcd', { CAIRN_CACHE_DIR: cacheDir, TEST_ASSET_ETCD: join(root, 'nope') })).toThrow(SuppliedBinaryMissingError);
  });

  it('finds the cross-built schema engine when readable (a WebAssembly module is not executable)', () => {
    const dir = join(root, 'wasm', 'bin', 'validator-v0.37.2');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'validator-wasm'), '\0asm');
    chmodSync(join(dir, 'validator-wasm'), 0o644);
    writeRecipe(dir, componentOf('validator-wasm'), 'validator-wasm');
    expect(resolveBinary('validator-wasm', { CAIRN_CACHE_DIR: join(root, 'wasm') })?.path).toBe(join(dir, 'validator-wasm'));
  });

  it("keys the schema engine's recipe on its target and on a digest of its own Go sources", () => {
    const recipe = JSON.parse(recipeOf(componentOf('validator-wasm'), 'validator-wasm')) as Record<string, unknown>;
    expect(recipe.target).toEqual({ goos: 'wasip1', goarch: 'wasm', buildMode: 'c-shared' });
    expect(recipe.sources).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(recipeOf(componentOf('kube-apiserver'), 'kube-apiserver'))).not.toHaveProperty('sources');
  });
});
