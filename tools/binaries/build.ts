/**
 * Builds missing control-plane binaries from their official Go modules, at the pinned versions, from
 * the committed wrapper modules in tools/go/<component>/ (go.mod + go.sum: the build is reproducible
 * and needs only the Go module proxy).
 *
 * Contract: on success every requested binary exists, executable, in the component's cache folder.
 * A binary is written under a temporary name and renamed into place, so an interrupted build never
 * leaves a half-written file that a later run would trust. On failure it throws BuildFailedError
 * naming the binary, the command and the tail of Go's output.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type BinaryName, type Component, cacheDirOf, componentOf } from './components.ts';
import { GO_MODULES_DIR, writeRecipe } from './recipe.ts';

export class BuildFailedError extends Error {
  override name = 'BuildFailedError';
}

export type Log = (line: string) => void;

interface RunResult {
  readonly code: number | null;
  readonly output: string[];
}

/** Runs a command, calling onLine for each line of its combined output. */
function run(cmd: string, args: string[], cwd: string, onLine: (line: string) => void, goEnv: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, GOFLAGS: '-mod=readonly', ...goEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    let partial = '';
    const take = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (output.length > 400) output.shift();
        onLine(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => reject(error));
    child.on('close', (code) => {
      if (partial) output.push(partial);
      resolve({ code, output });
    });
  });
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

async function requireGo(): Promise<void> {
  try {
    const { code } = await run('go', ['version'], process.cwd(), () => {});
    if (code === 0) return;
  } catch {
    // fall through to the explanation below
  }
  throw new BuildFailedError(
    'the Go toolchain (go >= 1.26) is needed to build kube-apiserver, kubectl, etcd, etcdctl, helm and kstatus, ' +
      'and `go` is not on PATH. Install Go, or supply prebuilt binaries with TEST_ASSET_<NAME> or KUBEBUILDER_ASSETS.',
  );
}

/** Counts the packages a build will compile, so progress can be shown as a fraction. */
async function countPackages(moduleDir: string, goPackage: string, goEnv: Record<string, string>, log: Log): Promise<number> {
  log(`  resolving ${goPackage} (downloads modules on a cold cache)`);
  let count = 0;
  const listed = await run('go', ['list', '-deps', goPackage], moduleDir, (line) => {
    if (line.trim() !== '') count += 1;
  }, goEnv);
  if (listed.code !== 0) {
    throw new BuildFailedError(`go list -deps ${goPackage} failed:\n${listed.output.slice(-30).join('\n')}`);
  }
  return count;
}

async function buildOne(component: Component, binary: BinaryName, goPackage: string, log: Log): Promise<string> {
  const moduleDir = join(GO_MODULES_DIR, component.name);
  const outDir = cacheDirOf(component);
  mkdirSync(outDir, { recursive: true });
  const finalPath = join(outDir, binary);
  const tempPath = join(outDir, `.${binary}.${process.pid}.tmp`);
  const started = Date.now();
  const target = component.target;
  const goEnv: Record<string, string> = target ? { GOOS: target.goos, GOARCH: target.goarch } : {};
  const total = await countPackages(moduleDir, goPackage, goEnv, log);
  const ldflags = ['-s', '-w', ...component.versionStamps.flatMap((s) => ['-X', s])].join(' ');
  const buildMode = target ? [`-buildmode=${target.buildMode}`] : [];
  const args = ['build', '-v', '-trimpath', ...buildMode, '-ldflags', ldflags, '-o', tempPath, goPackage];
  let compiled = 0;
  let lastReport = started;
  const onLine = (line: string): void => {
    // `go build -v` names each package as it is compiled (cached ones are not named).
    if (!/^[\w.\-/]+$/.test(line.trim())) return;
    compiled += 1;
    const now = Date.now();
    if (now - lastReport >= 10_000) {
      lastReport = now;
      log(`  ${binary}: compiled ${compiled} of up to ${total} packages (${formatDuration(now - started)})`);
    }
  };
  log(`building ${binary} ${component.version} from ${goPackage} (${total} packages)`);
  const result = await run('go', args, moduleDir, onLine, goEnv);
  if (result.code !== 0) {
    rmSync(tempPath, { force: true });
    const tail = result.output.filter((l) => !/^[\w.\-/]+$/.test(l.trim())).slice(-40).join('\n');
    throw new BuildFailedError(
      `building ${binary} ${component.version} failed (exit ${result.code}) in ${moduleDir}:\n` +
        `  ${Object.entries(goEnv).map(([k, v]) => `${k}=${v} `).join('')}go ${args.join(' ')}\n${tail}`,
    );
  }
  renameSync(tempPath, finalPath);
  writeRecipe(outDir, component, binary);
  log(`built ${binary} in ${formatDuration(Date.now() - started)} -> ${finalPath}`);
  return finalPath;
}

/** Builds each named binary (in order: they share Go's build cache) and returns their paths. */
export async function buildBinaries(names: readonly BinaryName[], log: Log): Promise<Map<BinaryName, string>> {
  const built = new Map<BinaryName, string>();
  if (names.length === 0) return built;
  await requireGo();
  for (const name of names) {
    const component = componentOf(name);
    const binary = component.binaries.find((b) => b.name === name);
    if (!binary) throw new BuildFailedError(`${component.name} does not build ${name}`);
    built.set(name, await buildOne(component, name, binary.goPackage, log));
  }
  return built;
}
