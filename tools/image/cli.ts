/**
 * `npm run image [-- <command>]`
 *   build [--tag <t>...]   build the operator image with the Dockerfile (default: cairn-operator:dev and
 *                          cairn-operator:<package version>), then print its size and layers
 *   base                   make the Dockerfile's base image available (pull, or the cached stand-in)
 *   stage-schema-engine    copy the schema engine (validator.wasm, built by `npm run binaries` if
 *                          missing) into the build context, for a plain `docker build .`
 *   engine                 say which container engine would be used, or why none can be
 *
 * Environment: CAIRN_CONTAINER_ENGINE=podman uses Podman even where Docker answers; CONTAINERS_CONF
 * replaces the project's containers.conf; CAIRN_DEBIAN_MIRROR is the stand-in's Debian mirror.
 * Each build leaves the engine's layer cache behind (`podman image prune` reclaims it, at the price
 * of a cold next build).
 */
import { Command } from 'commander';
import { BuildFailedError } from '../binaries/build.ts';
import { BaseUnavailableError, buildImage, defaultTags, describeImage, ensureBase } from './build.ts';
import { type Engine, EngineCommandError, detectEngine } from './engine.ts';
import { STAGED_ENGINE, stageSchemaEngine } from './schema-engine.ts';
import { StandInFailedError } from './stand-in-base.ts';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function megabytes(bytes: number): string {
  return bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${(bytes / 1000).toFixed(1)} kB`;
}

async function requireEngine(): Promise<Engine> {
  const detection = await detectEngine();
  if (detection.engine === undefined) throw new BaseUnavailableError(detection.reason);
  return detection.engine;
}

const program = new Command('image').description('the operator image, built with the project Dockerfile');

program
  .command('build', { isDefault: true })
  .option('--tag <tag...>', 'tags to give the image', defaultTags())
  .action(async (options: { tag: string[] }) => {
    const engine = await requireEngine();
    const built = await buildImage(engine, options.tag, (line) => console.log(line));
    const { bytes, layers } = await describeImage(engine, built.id);
    console.log(`\nbuilt ${built.tags.join(', ')} (${built.id.slice(0, 12)}) with ${engine.kind} in ${seconds(built.buildMs)}; base: ${built.base}`);
    console.log(`schema engine: ${megabytes(built.schemaEngine.bytes)}, sha256 ${built.schemaEngine.sha256}`);
    console.log(`size: ${megabytes(bytes)} in ${layers.filter((l) => l.bytes > 0).length} layers`);
    for (const layer of layers) console.log(`  ${megabytes(layer.bytes).padStart(10)}  ${layer.createdBy.slice(0, 110)}`);
  });

program.command('base').action(async () => {
  const started = Date.now();
  const source = await ensureBase(await requireEngine(), (line) => console.log(line));
  console.log(`base image ready (${source}) in ${seconds(Date.now() - started)}`);
});

program.command('stage-schema-engine').action(async () => {
  const staged = await stageSchemaEngine((line) => console.log(line));
  console.log(`${STAGED_ENGINE}: ${megabytes(staged.bytes)}, sha256 ${staged.sha256} (from ${staged.source})`);
});

program.command('engine').action(async () => {
  const detection = await detectEngine();
  console.log(detection.engine ? `${detection.engine.kind} (${detection.engine.command})` : `none: ${detection.reason}`);
});

try {
  await program.parseAsync();
} catch (error) {
  const known = error instanceof BaseUnavailableError || error instanceof EngineCommandError || error instanceof StandInFailedError || error instanceof BuildFailedError;
  console.error(`image: ${known ? error.message : String(error instanceof Error ? error.stack : error)}`);
  process.exit(1);
}
