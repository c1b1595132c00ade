/**
 * What the stand-in for the Dockerfile's base image is assembled from, where Docker Hub cannot be
 * reached: `node:<NODE_VERSION>-bookworm-slim` rebuilt from Debian bookworm packages and the Node
 * release the project pins, laid out as the official image lays it out (docker-library/node's
 * bookworm-slim Dockerfile): Node's release files under /usr/local, npm and corepack in
 * /usr/local/lib/node_modules with links in /usr/local/bin, Yarn 1 in /opt/yarn-v<version>, the user
 * `node` (uid/gid 1000), docker-entrypoint.sh as the entrypoint and `node` as the command.
 *
 * The recipe is the cache key: the assembled root filesystem is kept beside its recipe and rebuilt
 * when any part of it changes (a version here, the layout version after a change to the assembly).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** The Node version the project pins: the `node` devDependency, which the Dockerfile's ARG repeats. */
export function pinnedNodeVersion(): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const version = manifest.devDependencies.node;
  if (version === undefined) throw new Error('package.json pins no `node` devDependency');
  return version;
}

export interface StandInRecipe {
  /** Bump when the assembly below changes in a way the versions do not show. */
  readonly layout: number;
  readonly debian: { readonly suite: 'bookworm'; readonly variant: 'minbase'; readonly mirror: string };
  readonly node: string;
  /** The npm and corepack that Node's release bundles (its CHANGELOG: "deps: upgrade npm to ..."). */
  readonly npm: string;
  readonly corepack: string;
  /** docker-library/node installs Yarn 1 in its Node 24 images. */
  readonly yarn: string;
  readonly arch: 'x64' | 'arm64';
}

/** Bundled with Node 24.21.0 (npm since 24.20.0, corepack 0.36.0 in 24.21.0). */
const BUNDLED: Record<string, { npm: string; corepack: string }> = {
  '24.21.0': { npm: '11.19.0', corepack: '0.36.0' },
};

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';

export class UnsupportedStandInError extends Error {
  override name = 'UnsupportedStandInError';
}

export function standInRecipe(env: NodeJS.ProcessEnv = process.env): StandInRecipe {
  const node = pinnedNodeVersion();
  const bundled = BUNDLED[node];
  if (bundled === undefined) {
    throw new UnsupportedStandInError(`no stand-in recipe for Node ${node}: add the npm and corepack versions its release bundles to tools/image/recipe.ts`);
  }
  const arch = process.arch === 'x64' || process.arch === 'arm64' ? process.arch : undefined;
  if (arch === undefined) throw new UnsupportedStandInError(`no stand-in for ${process.arch}: Node's Linux builds are x64 and arm64`);
  return { layout: 1, debian: { suite: 'bookworm', variant: 'minbase', mirror: env.CAIRN_DEBIAN_MIRROR || DEFAULT_DEBIAN_MIRROR }, node, ...bundled, yarn: '1.22.22', arch };
}

/** The base image's name, exactly as the Dockerfile's FROM spells it (fully qualified). */
export function baseImageName(node: string = pinnedNodeVersion()): string {
  return `docker.io/library/node:${node}-bookworm-slim`;
}

/** A short digest of the recipe: the cache key, and the label the imported stand-in carries. */
export function recipeDigest(recipe: StandInRecipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}
