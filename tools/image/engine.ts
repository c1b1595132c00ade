/**
 * The container engine the image is built and run with: Docker where its daemon answers
 * (`docker info`), else Podman. Podman here runs as root with runc and cgroupfs and without default
 * ulimits: this machine kind's hybrid cgroups make crun refuse to start containers and the default
 * ulimits cannot be set. Those settings come from a containers.conf of the project's
 * (`~/.cache/cairn/image/containers.conf`, through CONTAINERS_CONF) unless the caller set
 * CONTAINERS_CONF: a developer whose Podman works as it is points it at their own file.
 *
 * Errors: detectEngine() never throws; it says why no engine is usable, so callers can skip.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../binaries/components.ts';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Each line of output as it comes (stdout and stderr), for progress. */
  readonly onLine?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs a program to its end; never rejects for a non-zero exit (callers read `code`). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs });
    const out: string[] = [];
    const err: string[] = [];
    const follow = (sink: string[]) => {
      let partial = '';
      return (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        sink.push(text);
        if (!options.onLine) return;
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onLine(line);
      };
    };
    child.stdout.on('data', follow(out));
    child.stderr.on('data', follow(err));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: out.join(''), stderr: err.join('') }));
  });
}

export class EngineCommandError extends Error {
  override name = 'EngineCommandError';
}

export interface Engine {
  readonly kind: 'docker' | 'podman';
  /** The program, e.g. `podman`. */
  readonly command: string;
  /** The environment every call gets (CONTAINERS_CONF for Podman). */
  readonly env: NodeJS.ProcessEnv;
  /** Flags `build` needs on this engine. */
  readonly buildFlags: readonly string[];
}

export type Detection = { readonly engine: Engine } | { readonly engine?: undefined; readonly reason: string };

/** Runs an engine command; on a non-zero exit throws with the command and the engine's stderr. */
export async function engineCall(engine: Engine, args: readonly string[], options: Omit<RunOptions, 'env'> = {}): Promise<string> {
  const result = await run(engine.command, args, { ...options, env: engine.env });
  if (result.code !== 0) {
    throw new EngineCommandError(`${engine.command} ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr.trim().split('\n').slice(-30).join('\n')}`);
  }
  return result.stdout;
}

const PODMAN_CONF = ['[containers]', 'default_ulimits = []', '', '[engine]', 'runtime = "runc"', 'cgroup_manager = "cgroupfs"', ''].join('\n');

/** The project's containers.conf, written where CONTAINERS_CONF points unless the caller set it. */
function podmanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.CONTAINERS_CONF) return env;
  const dir = join(cacheRoot(env), 'image');
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, PODMAN_CONF);
  return { ...env, CONTAINERS_CONF: conf };
}

async function answers(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult | undefined> {
  try {
    return await run(command, args, { env, timeoutMs: 20_000 });
  } catch {
    return undefined; // not installed
  }
}

/** Docker if its daemon answers, else Podman if it works; otherwise why neither can be used. */
export async function detectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Detection> {
  if (env.CAIRN_CONTAINER_ENGINE !== 'podman') {
    const docker = await answers('docker', ['info', '--format', '{{.ServerVersion}}'], env);
    if (docker?.code === 0) return { engine: { kind: 'docker', command: 'docker', env, buildFlags: [] } };
  }
  const withConf = podmanEnv(env);
  const podman = await answers('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}'], withConf);
  if (podman === undefined) return { reason: 'no container engine: the Docker daemon does not answer and podman is not installed (apt-get install podman runc)' };
  if (podman.code !== 0) return { reason: `podman cannot run containers here: ${podman.stderr.trim().split('\n').slice(-3).join(' ')}` };
  // Host network for builds: `npm ci` reaches the registry as the host does, without a bridge.
  return { engine: { kind: 'podman', command: 'podman', env: withConf, buildFlags: ['--network=host'] } };
}
