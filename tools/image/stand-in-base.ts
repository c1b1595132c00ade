/**
 * Assembles the stand-in for `node:<version>-bookworm-slim` (see recipe.ts for what it is and why)
 * as a root filesystem tarball, cached in `~/.cache/cairn/image/` beside the recipe it was built
 * from, and imports it into the engine under the base image's own name, labelled with the recipe's
 * digest.
 *
 * Guarantees: a cached tarball is complete (written under a temporary name, renamed into place, its
 * recipe written last); the imported image runs `node` as its command, with NODE_VERSION,
 * YARN_VERSION and PATH set as the official image sets them.
 * Assumptions: root (debootstrap and chroot need it) and a reachable Debian mirror and npm registry.
 * Errors: StandInUnavailableError when the machine cannot assemble it (not root, no debootstrap),
 * StandInFailedError naming the step that failed and its output.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cacheRoot } from '../binaries/components.ts';
import { type Engine, engineCall, run } from './engine.ts';
import { type StandInRecipe, baseImageName, recipeDigest } from './recipe.ts';

export const STAND_IN_LABEL = 'dev.cairn.stand-in';

export class StandInUnavailableError extends Error {
  override name = 'StandInUnavailableError';
}

export class StandInFailedError extends Error {
  override name = 'StandInFailedError';
}

type Log = (line: string) => void;

function cacheDirOf(recipe: StandInRecipe, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'image', `node-${recipe.node}-bookworm-slim`);
}

/** The cached root filesystem tarball, if it was assembled from `recipe`. */
export function cachedStandIn(recipe: StandInRecipe): string | undefined {
  const dir = cacheDirOf(recipe);
  try {
    const built = readFileSync(join(dir, 'recipe.json'), 'utf8').trim();
    return built === JSON.stringify(recipe) && existsSync(join(dir, 'rootfs.tar')) ? join(dir, 'rootfs.tar') : undefined;
  } catch {
    return undefined;
  }
}

/** Why this machine cannot assemble the stand-in, or undefined when it can. */
export async function whyNoStandIn(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'assembling the stand-in base needs root (debootstrap, chroot)';
  const probe = await run('debootstrap', ['--version']).catch(() => undefined);
  if (probe === undefined) return 'assembling the stand-in base needs debootstrap (apt-get install debootstrap)';
  return undefined;
}

async function step(what: string, command: string, args: readonly string[], log: Log, cwd?: string): Promise<void> {
  log(`  ${what}`);
  const result = await run(command, args, { cwd });
  if (result.code !== 0) {
    throw new StandInFailedError(`stand-in base: ${what} failed (${command} ${args.join(' ')}, exit ${result.code}):\n${(result.stderr || result.stdout).trim().split('\n').slice(-30).join('\n')}`);
  }
}

/** The Node release files the `node` devDependency installed (its node-linux-<arch> package). */
function nodeReleaseDir(recipe: StandInRecipe): string {
  const root = join(import.meta.dirname, '..', '..');
  const fromNode = createRequire(join(root, 'node_modules', 'node', 'package.json'));
  let manifest: string;
  try {
    manifest = fromNode.resolve(`node-linux-${recipe.arch}/package.json`);
  } catch (error) {
    throw new StandInFailedError(`stand-in base: node-linux-${recipe.arch} is not installed (npm ci installs it with the \`node\` devDependency)`, { cause: error });
  }
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  if (version !== recipe.node) throw new StandInFailedError(`stand-in base: node-linux-${recipe.arch} is ${version}, the recipe needs ${recipe.node} (run npm ci)`);
  return join(manifest, '..');
}

/** What debian:bookworm-slim leaves out of every package (its /etc/dpkg/dpkg.cfg.d/docker). */
const SLIM_EXCLUDES = ['/usr/share/doc/*', '/usr/share/groff/*', '/usr/share/info/*', '/usr/share/linda/*', '/usr/share/lintian/overrides/*', '/usr/share/locale/*', '/usr/share/man/*'];

function slim(rootfs: string): void {
  writeFileSync(join(rootfs, 'etc/dpkg/dpkg.cfg.d/docker'), [...SLIM_EXCLUDES.map((p) => `path-exclude ${p}`), 'path-include /usr/share/doc/*/copyright', ''].join('\n'));
  for (const pattern of SLIM_EXCLUDES) {
    const dir = join(rootfs, pattern.replace(/\/\*$/, ''));
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (pattern === '/usr/share/doc/*' && existsSync(join(path, 'copyright'))) {
        for (const file of readdirSync(path)) if (file !== 'copyright') rmSync(join(path, file), { recursive: true, force: true });
      } else rmSync(path, { recursive: true, force: true });
    }
  }
  // As `apt-get clean` and the slim image leave them: no package lists, archives or old debconf copies.
  const remove = (dir: string, keep: (entry: string) => boolean): void => {
    const path = join(rootfs, dir);
    if (existsSync(path)) for (const entry of readdirSync(path)) if (!keep(entry)) rmSync(join(path, entry), { recursive: true, force: true });
  };
  remove('var/lib/apt/lists', (e) => e === 'partial');
  remove('var/cache/apt/archives', (e) => e === 'partial' || e === 'lock');
  remove('var/cache/apt', (e) => e === 'archives');
  remove('var/cache/debconf', (e) => !e.endsWith('-old'));
  rmSync(join(rootfs, 'var/log/bootstrap.log'), { force: true });
}

/** docker-library/node's entrypoint: runs `node` when the first argument is a flag or no command. */
const ENTRYPOINT_SCRIPT = `#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
`;

async function installNode(rootfs: string, work: string, recipe: StandInRecipe, log: Log): Promise<void> {
  const local = join(rootfs, 'usr/local');
  // Node's release tarball, extracted over /usr/local as the official image does it.
  const release = nodeReleaseDir(recipe);
  for (const entry of readdirSync(release)) if (entry !== 'package.json') cpSync(join(release, entry), join(local, entry), { recursive: true });
  for (const [name, version, into] of [['npm', recipe.npm, join(local, 'lib/node_modules/npm')], ['corepack', recipe.corepack, join(local, 'lib/node_modules/corepack')], ['yarn', recipe.yarn, join(rootfs, `opt/yarn-v${recipe.yarn}`)]] as const) {
    await step(`npm pack ${name}@${version}`, 'npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', work], log, work);
    mkdirSync(into, { recursive: true });
    await step(`unpack ${name}`, 'tar', ['-xzf', join(work, `${name}-${version}.tgz`), '-C', into, '--strip-components=1', '--no-same-owner'], log);
  }
  const bin = join(local, 'bin');
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(bin, 'npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(bin, 'npx'));
  symlinkSync('../lib/node_modules/corepack/dist/corepack.js', join(bin, 'corepack'));
  symlinkSync('/usr/local/bin/node', join(bin, 'nodejs'));
  symlinkSync(`/opt/yarn-v${recipe.yarn}/bin/yarn`, join(bin, 'yarn'));
  symlinkSync(`/opt/yarn-v${recipe.yarn}/bin/yarnpkg`, join(bin, 'yarnpkg'));
  writeFileSync(join(bin, 'docker-entrypoint.sh'), ENTRYPOINT_SCRIPT, { mode: 0o755 });
}

/** Assembles the root filesystem and caches it as a tarball; returns the tarball's path. */
export async function assembleStandIn(recipe: StandInRecipe, log: Log): Promise<string> {
  const why = await whyNoStandIn();
  if (why !== undefined) throw new StandInUnavailableError(why);
  const dir = cacheDirOf(recipe);
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.work-'));
  const rootfs = join(work, 'rootfs');
  const started = Date.now();
  log(`assembling the stand-in ${baseImageName(recipe.node)} (Debian ${recipe.debian.suite} ${recipe.debian.variant} + Node ${recipe.node}, npm ${recipe.npm}, corepack ${recipe.corepack}, yarn ${recipe.yarn})`);
  try {
    await step(`debootstrap ${recipe.debian.suite} from ${recipe.debian.mirror}`, 'debootstrap', ['--variant=minbase', recipe.debian.suite, rootfs, recipe.debian.mirror], log);
    slim(rootfs);
    await step('user node (1000:1000)', 'chroot', [rootfs, 'sh', '-c', 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'], log);
    await installNode(rootfs, work, recipe, log);
    const temp = join(dir, `.rootfs.${process.pid}.tmp`);
    await step('pack the root filesystem', 'tar', ['--numeric-owner', '-C', rootfs, '-cf', temp, '.'], log);
    renameSync(temp, join(dir, 'rootfs.tar'));
    writeFileSync(join(dir, 'recipe.json'), `${JSON.stringify(recipe)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`assembled the stand-in in ${Math.round((Date.now() - started) / 1000)}s -> ${join(dir, 'rootfs.tar')}`);
  return join(dir, 'rootfs.tar');
}

/** Imports the tarball as the base image, with the official image's config and the recipe label. */
export async function importStandIn(engine: Engine, tarball: string, recipe: StandInRecipe): Promise<void> {
  const changes = [
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `ENV NODE_VERSION=${recipe.node}`,
    `ENV YARN_VERSION=${recipe.yarn}`,
    `LABEL ${STAND_IN_LABEL}=${recipeDigest(recipe)}`,
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'CMD ["node"]',
  ];
  await engineCall(engine, ['import', ...changes.flatMap((c) => ['--change', c]), tarball, baseImageName(recipe.node)]);
}
