/**
 * Ctrl-C of `npm run dev` as a terminal sends it: SIGINT to every process of the foreground process
 * group at once. The dev tool runs in a process group of its own here (as a shell's job does), with a
 * directory of its own, and the signal goes to the whole group at several moments of start-up and
 * once it is up; once through `npm run dev` (npm forwards the signal to the tool a second time).
 * Each time the tool must end (exit code 130, or killed by the SIGINT itself before
 * it handles signals) within the bound, print no stack trace, and leave no process: none in its
 * group and none anywhere whose command line names its directory (every etcd, apiserver, operator
 * and kubectl it starts does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..', '..');
const DEV = join(REPO, 'tools', 'dev', 'main.ts');
/** The issue's measure: still running this long after Ctrl-C is a hang (the tool's own deadline is 10 s). */
const EXIT_BOUND_MS = 30_000;
/** The moment must come within this (the samples wait for schemas and policies, slow on a loaded machine). */
const START_BOUND_MS = 150_000;
/**
 * Each case waits up to START_BOUND_MS for its moment, then EXIT_BOUND_MS for the exit: vitest's
 * default 60 s would end the late moments (after the samples) before either bound could decide,
 * and leave the dev tool running into the next case. The slack covers the check for leftovers.
 */
const CASE_TIMEOUT_MS = START_BOUND_MS + EXIT_BOUND_MS + 10_000;

interface ProcInfo {
  readonly pid: number;
  readonly pgid: number;
  readonly state: string;
  readonly cmdline: string;
}

function processes(): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses; split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      found.push({ pid: Number(name), pgid: Number(pgrp), state: state ?? '?', cmdline });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Live processes (zombies are dead) in the tool's group or naming its directory, other than the tool. */
function leftovers(tool: number, dir: string): ProcInfo[] {
  return processes().filter((p) => p.pid !== tool && p.state !== 'Z' && (p.pgid === tool || p.cmdline.includes(dir)));
}

interface Moment {
  readonly name: string;
  /** `npm`: started as `npm run dev`, which forwards the SIGINT to the tool, which got it already. */
  readonly via?: 'npm';
  /**
   * The tool gets the SIGINT again 50 ms later, as from `npm run dev` where sh execs the script (npm
   * forwards the signal; here dash stays in between and swallows it): still one Ctrl-C, not "now".
   */
  readonly twice?: true;
  /** The operator is up: the tool must say it stops the operator, then the control plane (not SIGKILL all). */
  readonly operatorUp?: true;
  /** True once the run has reached the moment: from its output so far and the processes running. */
  readonly reached: (output: string, running: readonly ProcInfo[]) => boolean;
}

const started = (binary: string) => (_: string, running: readonly ProcInfo[]) => running.some((p) => p.cmdline.split(' ')[0]?.endsWith(`/${binary}`));
const printed = (text: string) => (output: string) => output.includes(text);

const MOMENTS: readonly Moment[] = [
  { name: 'while the etcd members start (before they are healthy)', reached: started('etcd') },
  { name: 'while kube-apiserver starts', reached: started('kube-apiserver') },
  { name: 'while kubectl installs the CRD', reached: printed('installing the ConfigEntry CRD') },
  { name: 'while the admission policy is installed', reached: printed('installing the finalizer admission policy') },
  { name: 'while the operator starts', reached: printed('starting the operator') },
  { name: 'while the samples are applied and reported', operatorUp: true, reached: printed('applying deploy/samples') },
  { name: 'after the samples are shown', operatorUp: true, reached: printed('Ctrl-C stops everything this started.') },
  { name: 'after the samples are shown, started with npm run dev', via: 'npm', operatorUp: true, reached: printed('Ctrl-C stops everything this started.') },
  { name: 'after the samples are shown, the SIGINT delivered twice', twice: true, operatorUp: true, reached: printed('Ctrl-C stops everything this started.') },
];

interface Run {
  readonly child: ChildProcess;
  readonly dir: string;
  output: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

function startDev(via: Moment['via']): Run {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-dev-ctrl-c-'));
  const args = ['--members', '1', '--dir', dir];
  const [command, argv] = via === 'npm' ? ['npm', ['run', 'dev', '--', ...args]] : [process.execPath, [DEV, ...args]];
  // detached: a process group of its own (pgid = its pid), like a job in a shell.
  const child = spawn(command, argv, { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { child, dir, output: '', exit: undefined };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (run.output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (run.output += chunk));
  child.on('exit', (code, signal) => (run.exit = { code, signal }));
  return run;
}

async function until(check: () => boolean, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return true;
}

/** Whatever a failed run left: SIGKILL by pid, so the next test starts clean. */
function killLeft(run: Run): void {
  for (const p of [...leftovers(run.child.pid ?? -1, run.dir), ...(run.exit ? [] : [{ pid: run.child.pid ?? -1 }])]) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

describe('Ctrl-C of npm run dev (SIGINT to its whole process group)', () => {
  const runs: Run[] = [];
  afterAll(() => {
    for (const run of runs) {
      killLeft(run);
      rmSync(run.dir, { recursive: true, force: true });
    }
  });

  it.each(MOMENTS.map((m) => [m.name, m] as const))('%s: ends within the bound, prints no stack trace, leaves no process', async (_, moment) => {
    const run = startDev(moment.via);
    runs.push(run);
    const pid = run.child.pid ?? -1;
    const startedAt = Date.now();
    const reached = await until(() => run.exit !== undefined || moment.reached(run.output, leftovers(pid, run.dir)), START_BOUND_MS);
    const startMs = Date.now() - startedAt;
    expect(run.exit, `the dev tool ended before the moment:\n${run.output}`).toBeUndefined();
    expect(reached, `the moment never came:\n${run.output}`).toBe(true);

    const signalled = Date.now();
    process.kill(-pid, 'SIGINT'); // the terminal's Ctrl-C: every process of the group at once
    if (moment.twice) setTimeout(() => run.exit ?? process.kill(pid, 'SIGINT'), 50);
    const ended = await until(() => run.exit !== undefined, EXIT_BOUND_MS, 50);
    const tookMs = Date.now() - signalled;
    const left = await until(() => leftovers(pid, run.dir).length === 0, 1_000).then(() => leftovers(pid, run.dir));
    console.log(`[ctrl-c] ${moment.name}: reached in ${startMs} ms, ${ended ? `exited in ${tookMs} ms (${JSON.stringify(run.exit)})` : 'still running'}; ${left.length} processes left`);

    expect(ended, `still running ${EXIT_BOUND_MS} ms after SIGINT; output:\n${run.output}`).toBe(true);
    expect(run.exit?.code === 130 || run.exit?.signal === 'SIGINT', JSON.stringify(run.exit)).toBe(true);
    expect(left.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`)).toEqual([]);
    expect(run.output).not.toMatch(/^\s+at \S.*:\d+:\d+\)?$/m); // a stack frame
    expect(run.output).not.toMatch(/ProcessExitedError|unsettled top-level await|Unhandled/);
    if (moment.operatorUp) expect(run.output).toMatch(/\[dev\] stopping the operator\n(.*\n)*\[dev\] stopping the control plane/);
  }, CASE_TIMEOUT_MS);
});
