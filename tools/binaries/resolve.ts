/**
 * Finds a control-plane binary the way controller-runtime's envtest does:
 *   1. `TEST_ASSET_<NAME>` (e.g. TEST_ASSET_KUBE_APISERVER), a path to the binary itself;
 *   2. `$KUBEBUILDER_ASSETS/<name>`;
 *   3. the project's cache (one folder per pinned version), if built from the current recipe.
 * An explicitly supplied path that does not exist is an error, not a reason to fall through: the
 * user asked for that binary.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { type BinaryName, cacheDirOf, componentOf } from './components.ts';
import { hasCurrentRecipe } from './recipe.ts';

export type BinarySource = 'TEST_ASSET' | 'KUBEBUILDER_ASSETS' | 'cache';

export interface ResolvedBinary {
  readonly name: BinaryName;
  readonly path: string;
  readonly source: BinarySource;
}

export class SuppliedBinaryMissingError extends Error {
  override name = 'SuppliedBinaryMissingError';
}

export function testAssetVariable(name: BinaryName): string {
  return `TEST_ASSET_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** A native program must be executable; a cross-built module (WebAssembly) only readable. */
function isUsable(path: string, name: BinaryName): boolean {
  try {
    accessSync(path, componentOf(name).target ? constants.R_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary's path, or undefined when it must be built. */
export function resolveBinary(name: BinaryName, env: NodeJS.ProcessEnv = process.env): ResolvedBinary | undefined {
  const variable = testAssetVariable(name);
  const supplied = env[variable];
  if (supplied) {
    if (!isUsable(supplied, name)) {
      throw new SuppliedBinaryMissingError(`${variable}=${supplied}: no usable file there`);
    }
    return { name, path: supplied, source: 'TEST_ASSET' };
  }
  const assets = env.KUBEBUILDER_ASSETS;
  if (assets && isUsable(join(assets, name), name)) {
    return { name, path: join(assets, name), source: 'KUBEBUILDER_ASSETS' };
  }
  const component = componentOf(name);
  const dir = cacheDirOf(component, env);
  const cached = join(dir, name);
  if (isUsable(cached, name) && hasCurrentRecipe(dir, component, name)) return { name, path: cached, source: 'cache' };
  return undefined;
}
