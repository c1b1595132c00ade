/**
 * What a cached binary was built from. The cache folder is named by version only; the recipe beside
 * each binary (`.<name>.recipe`) also records the package and the version stamps, so a change of how
 * a binary is built (a new -X stamp, another package) rebuilds it instead of reusing the old one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BinaryName, Component } from './components.ts';

export function recipeOf(component: Component, binary: BinaryName): string {
  const goPackage = component.binaries.find((b) => b.name === binary)?.goPackage ?? '';
  return JSON.stringify({ version: component.version, goPackage, versionStamps: component.versionStamps });
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
