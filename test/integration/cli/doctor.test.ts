/**
 * `cairn doctor` as a process: against the shared control plane with an operator of its own (every
 * check answers), and with parts missing (an apiserver that does not answer, a prefix no operator fenced).
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlPlane } from '../../support/cluster.ts';
import { withOperator } from '../../support/fixture.ts';
import { clusterEnv, runCairn } from './run-cairn.ts';

interface Check {
  name: string;
  verdict: string;
  found: string;
  fix?: string;
}

describe('cairn doctor', () => {
  const f = withOperator('cli-doctor');

  it('reports the apiserver, the CRDs, the leader, your access, etcd and the fence of a running installation', async () => {
    await f.entries.create('db', { schema: 'database@v1', data: { host: 'h', database: 'd', user: 'u' } });
    await f.entries.waitReady('db'); // the operator leads and has fenced
    const run = await runCairn(['doctor', '-n', f.namespace, '--lease-name', 'nothing-leads-here', '-o', 'json'], { env: clusterEnv(f.prefix) });
    const checks = JSON.parse(run.stdout) as Check[];
    const byName = new Map(checks.map((c) => [c.name, c]));
    expect(byName.get('apiserver')).toMatchObject({ verdict: 'ok', found: expect.stringMatching(/answers, Kubernetes v1\.\d+/) });
    expect(byName.get('CRDs')).toMatchObject({ verdict: 'ok', found: expect.stringContaining('configentries, configschemas') });
    expect(byName.get('finalizer policy')?.verdict).toBe('ok');
    expect(byName.get('your access')).toMatchObject({ verdict: 'ok', found: `in namespace ${f.namespace} you may get, list, watch, create, update, patch, delete configentries` });
    expect(byName.get('etcd')).toMatchObject({ verdict: 'ok', found: expect.stringMatching(/etcd 3\.\d+\.\d+, 1 member\(s\)/) });
    expect(byName.get('fence')).toMatchObject({ verdict: 'ok', found: expect.stringMatching(new RegExp(`^${f.prefix}/fence held by `)) });
    // The test operators run without leader election: no Lease of that name, said with what to do.
    expect(byName.get('operator leader')).toMatchObject({ verdict: 'problem', found: 'no Lease named nothing-leads-here in any namespace', fix: expect.stringContaining('--lease-name') });
    expect(byName.get('operator health')?.verdict).toBe('skipped');
    expect(run.code).toBe(1);
  });

  it('asks the operator\'s /healthz and /readyz when given its address', async () => {
    const run = await runCairn(['doctor', '-o', 'json', '--operator-url', f.operator.metricsUrl], { env: clusterEnv(f.prefix) });
    const health = (JSON.parse(run.stdout) as Check[]).find((c) => c.name === 'operator health');
    expect(health).toEqual({ name: 'operator health', verdict: 'ok', found: `${f.operator.metricsUrl}: /healthz 200, /readyz 200` });
  });

  it('an apiserver that does not answer fails its line and skips those that need it; a fence-less prefix says so (exit 1)', async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'cairn-doctor-')), 'kubeconfig');
    writeFileSync(kubeconfig, readFileSync(controlPlane().kubeconfig, 'utf8').replace(/server: \S+/, 'server: https://127.0.0.1:1'));
    const run = await runCairn(['doctor'], { env: { ...clusterEnv('/nobody-here'), KUBECONFIG: kubeconfig } });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('FAIL  apiserver'))).toMatch(/did not answer: ECONNREFUSED/);
    expect(lines.filter((l) => l.startsWith('SKIP')).map((l) => l.split(/\s{2,}/)[1])).toEqual(['CRDs', 'schemas', 'operator leader', 'your access', 'operator health']);
    expect(lines.find((l) => l.startsWith('FAIL  fence'))).toMatch(/\/nobody-here\/fence is absent/);
    expect(lines.find((l) => l.startsWith('OK    etcd'))).toBeDefined();
    expect(run.stdout.trim().split('\n').pop()).toBe('2 problems found.');
  });
});
