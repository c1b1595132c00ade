/**
 * Builds the operator image with the project's own Dockerfile, unchanged, on whichever engine
 * detectEngine() found. The base image comes from, in order: the engine's store (the real image, or
 * the stand-in of the current recipe), a pull, the stand-in's cached tarball, a fresh stand-in.
 *
 * Guarantees: on success the image exists under every requested tag, built from the working tree as
 * it is (the engine's layer cache makes an unchanged tree cheap to rebuild).
 * Errors: BaseUnavailableError when no base can be had (not pullable, no stand-in possible): the
 * machine's limit, not the Dockerfile's. A failing build throws EngineCommandError with the
 * engine's output: that is the Dockerfile's (or the source's) fault.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../binaries/components.ts';
import { type Engine, engineCall, run } from './engine.ts';
import { baseImageName, recipeDigest, standInRecipe } from './recipe.ts';
import { type StagedEngine, stageSchemaEngine } from './schema-engine.ts';
import { STAND_IN_LABEL, StandInUnavailableError, assembleStandIn, cachedStandIn, importStandIn } from './stand-in-base.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const IMAGE_REPOSITORY = 'cairn-operator';

type Log = (line: string) => void;

export class BaseUnavailableError extends Error {
  override name = 'BaseUnavailableError';
}

export type BaseSource = 'present' | 'stand-in (present)' | 'pulled' | 'stand-in (cached)' | 'stand-in (assembled)';

/** The tags `npm run image` gives: `dev` and the package version. */
export function defaultTags(): string[] {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return [`${IMAGE_REPOSITORY}:dev`, `${IMAGE_REPOSITORY}:${version}`];
}

async function labelsOf(engine: Engine, image: string): Promise<Record<string, string> | null | undefined> {
  const result = await run(engine.command, ['image', 'inspect', '--format', '{{json .Config.Labels}}', image], { env: engine.env });
  if (result.code !== 0) return undefined; // not in the store
  return JSON.parse(result.stdout.trim() || 'null') as Record<string, string> | null;
}

/** Makes the Dockerfile's base image available to the engine; says where it came from. */
export async function ensureBase(engine: Engine, log: Log): Promise<BaseSource> {
  const recipe = standInRecipe();
  const name = baseImageName(recipe.node);
  const labels = await labelsOf(engine, name);
  const standIn = labels?.[STAND_IN_LABEL];
  if (labels !== undefined && standIn === undefined) return 'present';
  if (standIn === recipeDigest(recipe)) return 'stand-in (present)';
  if (labels === undefined) {
    const pulled = await run(engine.command, ['pull', '--quiet', name], { env: engine.env, timeoutMs: 300_000 });
    if (pulled.code === 0) return 'pulled';
    log(`${name} cannot be pulled (${pulled.stderr.trim().split('\n').at(-1) ?? ''}); using a stand-in`);
  }
  let source: BaseSource = 'stand-in (cached)';
  let tarball = cachedStandIn(recipe);
  if (tarball === undefined) {
    try {
      tarball = await assembleStandIn(recipe, log);
    } catch (error) {
      if (error instanceof StandInUnavailableError) throw new BaseUnavailableError(`${name} is neither in the store nor pullable, and ${error.message}`, { cause: error });
      throw error;
    }
    source = 'stand-in (assembled)';
  }
  await importStandIn(engine, tarball, recipe);
  return source;
}

async function npmSetting(key: string): Promise<string | undefined> {
  const result = await run('npm', ['config', 'get', key]);
  const value = result.stdout.trim();
  return result.code === 0 && value !== '' && value !== 'null' && value !== 'undefined' ? value : undefined;
}

/**
 * The build's `npm ci` reaches the registry as this machine's npm does: the same registry and the same
 * CA file (a machine behind a TLS-inspecting proxy trusts its CA only through that file). Podman
 * mounts them, for the RUN steps only, over the base image's empty /usr/local/etc, where npm reads its
 * global npmrc: nothing of it lands in a layer and the Dockerfile is unchanged. Docker cannot mount
 * into a build; there the registry must be reachable as it is.
 */
async function npmBuildFlags(engine: Engine): Promise<string[]> {
  if (engine.kind !== 'podman') return [];
  const cafile = (await npmSetting('cafile')) ?? process.env.NODE_EXTRA_CA_CERTS;
  const registry = await npmSetting('registry');
  if (cafile === undefined && (registry === undefined || registry === 'https://registry.npmjs.org/')) return [];
  const dir = join(cacheRoot(), 'image', 'build-npm');
  mkdirSync(dir, { recursive: true });
  const lines = registry ? [`registry=${registry}`] : [];
  if (cafile) {
    copyFileSync(cafile, join(dir, 'ca.crt'));
    lines.push('cafile=/usr/local/etc/ca.crt');
  }
  writeFileSync(join(dir, 'npmrc'), `${lines.join('\n')}\n`);
  return ['--volume', `${dir}:/usr/local/etc:ro`];
}

export interface BuiltImage {
  readonly tags: readonly string[];
  readonly id: string;
  readonly base: BaseSource;
  /** The validator.wasm copied into the image. */
  readonly schemaEngine: StagedEngine;
  readonly buildMs: number;
}

/** Stages the schema engine, builds the Dockerfile at the repository root and tags the result. */
export async function buildImage(engine: Engine, tags: readonly string[], log: Log): Promise<BuiltImage> {
  const started = Date.now();
  const schemaEngine = await stageSchemaEngine(log);
  const base = await ensureBase(engine, log);
  const first = tags[0];
  if (first === undefined) throw new Error('buildImage needs at least one tag');
  await engineCall(engine, ['build', ...engine.buildFlags, ...(await npmBuildFlags(engine)), '--file', join(ROOT, 'Dockerfile'), ...tags.flatMap((t) => ['--tag', t]), ROOT], { onLine: log });
  const id = (await engineCall(engine, ['image', 'inspect', '--format', '{{.Id}}', first])).trim();
  return { tags, id, base, schemaEngine, buildMs: Date.now() - started };
}

export interface Layer {
  readonly bytes: number;
  readonly createdBy: string;
}

/** The image's size and its layers, oldest first, with what made each. */
export async function describeImage(engine: Engine, image: string): Promise<{ bytes: number; layers: Layer[] }> {
  const bytes = Number((await engineCall(engine, ['image', 'inspect', '--format', '{{.Size}}', image])).trim());
  // Podman prints sizes in bytes only as JSON (an array); Docker as one JSON object per line.
  const raw = await engineCall(engine, ['history', '--no-trunc', '--human=false', '--format', engine.kind === 'podman' ? 'json' : '{{json .}}', image]);
  const entries = (engine.kind === 'podman' ? JSON.parse(raw) : raw.trim().split('\n').map((l) => JSON.parse(l))) as { size?: number; Size?: string; CreatedBy: string }[];
  const layers = entries.map((e) => ({ bytes: Number(e.size ?? e.Size ?? 0), createdBy: e.CreatedBy.replace(/^\/bin\/sh -c #\(nop\)\s*/, '').replace(/\s+/g, ' ').trim() }));
  return { bytes, layers: layers.reverse() };
}
