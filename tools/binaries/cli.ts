/**
 * `npm run binaries [-- <command>]`
 *   ensure [names...]       resolve, and build what is missing (default: the control plane's four)
 *   where                   show where each binary comes from, building nothing
 *   env                     print shell exports (TEST_ASSET_*) for the resolved binaries
 *   regenerate-kubernetes   rewrite tools/go/kubernetes/go.mod from the pinned upstream go.mod
 */
import { Command } from 'commander';
import { type BinaryName, COMPONENTS } from './components.ts';
import { BuildFailedError } from './build.ts';
import { CONTROL_PLANE_BINARIES, describeBinaries, ensureBinaries } from './ensure.ts';
import { regenerateKubernetesWrapper } from './regenerate.ts';
import { testAssetVariable } from './resolve.ts';

const ALL: BinaryName[] = COMPONENTS.flatMap((c) => c.binaries.map((b) => b.name));

function parseNames(names: string[]): BinaryName[] {
  if (names.length === 0) return [...CONTROL_PLANE_BINARIES];
  for (const n of names) {
    if (!(ALL as string[]).includes(n)) throw new Error(`unknown binary ${n}; known: ${ALL.join(', ')}`);
  }
  return names as BinaryName[];
}

const program = new Command('binaries').description('control-plane binaries for tests and the local run');

program
  .command('ensure', { isDefault: true })
  .argument('[names...]')
  .action(async (names: string[]) => {
    const started = Date.now();
    const paths = await ensureBinaries(parseNames(names));
    for (const [name, path] of Object.entries(paths)) console.log(`${name.padEnd(15)} ${path}`);
    console.log(`binaries ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  });

program.command('where').action(() => {
  for (const line of describeBinaries(ALL)) console.log(line);
});

program
  .command('env')
  .argument('[names...]')
  .action(async (names: string[]) => {
    const paths = await ensureBinaries(parseNames(names), (l) => console.error(l));
    for (const [name, path] of Object.entries(paths)) console.log(`export ${testAssetVariable(name as BinaryName)}=${path}`);
  });

program.command('regenerate-kubernetes').action(() => regenerateKubernetesWrapper(console.log));

try {
  await program.parseAsync();
} catch (error) {
  const message = error instanceof BuildFailedError ? error.message : String(error instanceof Error ? error.stack : error);
  console.error(`binaries: ${message}`);
  process.exit(1);
}
