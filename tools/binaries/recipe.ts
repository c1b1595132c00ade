/**
 * What a cached binary was built from. The cache folder is named by version only; the recipe beside
 * each binary (`.<name>.recipe`) also records the package, the version stamps, the target of a cross
 * build and, for a program of our own (`ownSources`), a digest of its sources, so a change of how a
 * binary is built (a new -X stamp, another package, an edited source) rebuilds it instead of reusing
 * the old one.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BinaryName, Component } from './components.ts';

export const GO_MODULES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'go');

/** sha256 over the module's go.mod, go.sum and non-test Go files (in its packages too), by relative path. */
function sourceDigest(component: Component): string {
  const dir = join(GO_MODULES_DIR, component.name);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split(sep).join('/'))
    .filter((f) => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go')))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(dir, file))).update('\0');
  return hash.digest('hex');
}

export function recipeOf(component: Component, binary: BinaryName): string {
  const goPackage = component.binaries.find((b) => b.name === binary)?.goPackage ?? '';
  return JSON.stringify({
    version: component.version,
    goPackage,
    versionStamps: component.versionStamps,
    ...(component.target ? { target: component.target } : {}),
    ...(component.ownSources ? { sources: sourceDigest(component) } : {}),
  });
}

function recipePath(dir: string, binary: BinaryName): string {
  return join(dir, `.${binary}.recipe`);
}

export function writeRecipe(dir: string, component: Component, binary: BinaryName): void {
  writeFileSync(recipePath(dir, binary), `${recipeOf(component, binary)}\n`);
}

/** True when the binary in `dir` was built from the component's current recipe. */
export function hasCurrentRecipe(dir: string, component: Component, binary: BinaryName): boolean {
  try {
    return readFileSync(recipePath(dir, binary), 'utf8').trim() === recipeOf(component, binary);
  } catch {
    return false;
  }
}
