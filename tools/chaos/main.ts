/**
 * `npm run test:faults`: the long chaos suite. Several runs, each on its own control plane (a
 * 3-member store with a small space quota, its own apiserver), each with a printed seed; `--seed N`
 * replays one run's workload and fault schedule (timings on a loaded machine still vary). Ends with
 * the checker's line `N operations checked, N violations` and the convergence figures; exits 1 on
 * any violation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ensureControlPlaneBinaries } from '../binaries/ensure.ts';
import { formatViolation } from './checker.ts';
import { type RunResult, runChaos } from './run.ts';

const program = new Command('test:faults')
  .option('--runs <n>', 'how many runs', '3')
  .option('--seed <n>', 'replay the run with this seed (one run)')
  .option('--faults <n>', 'faults per run', '5')
  .option('--duration <s>', 'seconds of workload per run', '60')
  .option('--rate <n>', 'workload operations per second', '5')
  .option('--sequential', 'one fault at a time (default: faults on different parts overlap)')
  .option('--keep', 'keep each run directory (logs, history.json)')
  .parse();
const opts = program.opts<{ runs: string; seed?: string; faults: string; duration: string; rate: string; sequential?: boolean; keep?: boolean }>();

const seeds = opts.seed !== undefined ? [Number(opts.seed)] : Array.from({ length: Number(opts.runs) }, () => Math.floor(Math.random() * 1_000_000));
const binaries = await ensureControlPlaneBinaries();
const results: RunResult[] = [];
for (const seed of seeds) {
  const dir = mkdtempSync(join(tmpdir(), `cairn-chaos-${seed}-`));
  console.log(`\n=== run seed ${seed} (replay: npm run test:faults -- --seed ${seed}) in ${dir}`);
  const result = await runChaos({
    seed,
    dir,
    binaries,
    apiserver: 'own',
    members: 3,
    quotaBytes: 24 * 1024 * 1024,
    faults: Number(opts.faults),
    overlap: opts.sequential !== true,
    workloadMs: Number(opts.duration) * 1000,
    entries: 60,
    sharedPairs: 4,
    bundles: 12,
    opsPerSecond: Number(opts.rate),
    settleTimeoutMs: 120_000,
    log: (line) => console.log(`  ${line}`),
  });
  results.push(result);
  for (const v of result.verdict.violations.slice(0, 20)) console.log(formatViolation(v));
  if (result.verdict.violations.length > 20) console.log(`  ... and ${result.verdict.violations.length - 20} more (see ${result.historyFile})`);
  const converged = result.convergenceMs === undefined ? 'did not settle' : `settled ${(result.convergenceMs / 1000).toFixed(1)} s after the last fault`;
  console.log(`seed ${seed}: ${result.workloadOperations} workload operations, ${result.faults.length} faults, ${converged}; ${result.verdict.operations} operations checked, ${result.verdict.violations.length} violations`);
  if (result.verdict.violations.length === 0 && !opts.keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`  kept ${dir}`);
}

const settled = results.flatMap((r) => (r.convergenceMs === undefined ? [] : [r.convergenceMs])).sort((a, b) => a - b);
const percentile = (p: number): string => (settled.length === 0 ? '-' : `${((settled[Math.min(settled.length - 1, Math.ceil((p / 100) * settled.length) - 1)] ?? 0) / 1000).toFixed(1)} s`);
console.log(`\nseeds ${seeds.join(', ')}; convergence after the last fault: p50 ${percentile(50)}, p99 ${percentile(99)} (${settled.length} of ${results.length} runs settled)`);
const operations = results.reduce((n, r) => n + r.verdict.operations, 0);
const violations = results.reduce((n, r) => n + r.verdict.violations.length, 0);
console.log(`${operations} operations checked, ${violations} violations`);
process.exit(violations === 0 && settled.length === results.length ? 0 : 1);
