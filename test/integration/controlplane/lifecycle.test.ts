/**
 * Nothing the harness starts may outlive it: an interrupted owner stops its processes, and a killed
 * owner's orphans are reaped by the next harness start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMP_PREFIX } from '../../../tools/controlplane/control-plane.ts';
import { isAlive, reapAbandoned } from '../../../tools/controlplane/reap.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', 'support', 'fixtures', 'hold-control-plane.ts');


async function startOwner(): Promise<{ owner: ChildProcess; dir: string; pids: number[] }> {
  const owner = spawn(process.execPath, [FIXTURE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = await new Promise<string>((resolve, reject) => {
    let out = '';
    owner.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    owner.on('exit', (code) => reject(new Error(`owner exited early (${code}): ${out}`)));
  });
  const pids = readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[0]));
  return { owner, dir, pids };
}

async function eventually(check: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('the control-plane harness', () => {
  it('stops every process it started when its owner is interrupted (SIGINT)', async () => {
    const { owner, dir, pids } = await startOwner();
    expect(pids).toHaveLength(3); // store etcd, apiserver etcd, kube-apiserver
    expect(pids.every(isAlive)).toBe(true);

    const exited = new Promise((r) => owner.on('exit', r));
    owner.kill('SIGINT');
    await exited;
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it("reaps a killed owner's orphans on the next start", async () => {
    const { owner, dir, pids } = await startOwner();
    const exited = new Promise((r) => owner.on('exit', r));
    owner.kill('SIGKILL'); // no chance to clean up: its children are orphaned
    await exited;
    expect(pids.every(isAlive)).toBe(true);

    expect(reapAbandoned(tmpdir(), TEMP_PREFIX)).toBeGreaterThanOrEqual(1);
    expect(await eventually(() => pids.every((p) => !isAlive(p)))).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });
});
