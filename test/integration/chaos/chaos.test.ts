/**
 * The short chaos run: the same driver, faults and checker as `npm run test:faults`, kept light for
 * `npm test` (one store member, the shared apiserver, two operator replicas, ~20 s of workload) with
 * two faults: the leader SIGKILLed on seeing its own commit (before its status write), and the
 * leader SIGSTOPped past its Lease while the other replica takes over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatViolation, summary } from '../../../tools/chaos/checker.ts';
import { runChaos } from '../../../tools/chaos/run.ts';
import { controlPlane } from '../../support/cluster.ts';

const SEED = Number(process.env.CAIRN_CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));

describe('chaos, short run', () => {
  it(`keeps every rule of the checker through an operator kill timed on a commit and a leader pause (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const cp = controlPlane();
    const dir = mkdtempSync(join(tmpdir(), `cairn-chaos-${SEED}-`));
    const result = await runChaos({
      seed: SEED,
      dir,
      binaries: { etcd: cp.etcd, etcdctl: cp.etcdctl, kubectl: cp.kubectl, 'kube-apiserver': '' },
      apiserver: { kubeconfig: cp.kubeconfig },
      members: 1,
      faults: ['operator-kill-after-commit', 'leader-pause'],
      workloadMs: 20_000,
      entries: 24,
      sharedPairs: 2,
      bundles: 6,
      opsPerSecond: 4,
      settleTimeoutMs: 60_000,
      log: () => undefined,
    });
    const report = [summary(result.verdict), ...result.faults.map((f) => `${f.name}: ${f.what}`), ...result.verdict.violations.map(formatViolation)].join('\n');
    expect(result.faults.map((f) => f.name), report).toEqual(['operator-kill-after-commit', 'leader-pause']);
    expect(result.verdict.violations, report).toEqual([]);
    expect(result.convergenceMs, report).toBeDefined();
    expect(result.verdict.operations).toBeGreaterThan(100);
    rmSync(dir, { recursive: true, force: true });
  });
});
