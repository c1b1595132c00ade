/**
 * Orphans: a harness killed without a chance to clean up (SIGKILL, OOM killer) leaves its children
 * running. Each harness directory holds `owner.pid` (the Node process that started it) and `pids`
 * (every child it started, with its command). A later start reaps directories whose owner is gone:
 * it kills the children still running that command, then removes the directory.
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    return undefined;
  }
}

/** The pid of a live process other than this one that owns `dir`, if any. */
export function liveOwnerOf(dir: string): number | undefined {
  const ownerFile = join(dir, 'owner.pid');
  if (!existsSync(ownerFile)) return undefined;
  const owner = Number(readFileSync(ownerFile, 'utf8').trim());
  return owner !== process.pid && isAlive(owner) ? owner : undefined;
}

export function claimDirectory(dir: string): void {
  writeFileSync(join(dir, 'owner.pid'), `${process.pid}\n`);
}

/** Kills what an abandoned harness directory started; true if the directory was abandoned. */
export function reapDirectory(dir: string): boolean {
  const ownerFile = join(dir, 'owner.pid');
  if (!existsSync(ownerFile)) return false;
  const owner = Number(readFileSync(ownerFile, 'utf8').trim());
  if (owner === process.pid || isAlive(owner)) return false;
  const pidsFile = join(dir, 'pids');
  const entries = existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8').trim().split('\n') : [];
  for (const entry of entries) {
    const [pidText, command] = entry.split(' ');
    const pid = Number(pidText);
    // Only a process still running the command we started: pids are recycled.
    if (pid > 0 && command && commandOf(pid) === command) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }
  return true;
}

/** Reaps every abandoned harness directory directly under `root` whose name starts with `prefix`. */
export function reapAbandoned(root: string, prefix: string): number {
  if (!existsSync(root)) return 0;
  let reaped = 0;
  for (const name of readdirSync(root)) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(root, name);
    if (reapDirectory(dir)) {
      rmSync(dir, { recursive: true, force: true });
      reaped += 1;
    }
  }
  return reaped;
}
