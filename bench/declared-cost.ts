/**
 * `npx node bench/declared-cost.ts [--samples N] [--rate R]`: only the declared-vs-embedded part of
 * the benchmark (bench/declared.ts), on its own control plane, printed; bench/main.ts records the same
 * figure in latest.json as schemas.declaredVsEmbeddedP50. Nothing asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import { ensureBinaries } from '../tools/binaries/ensure.ts';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { startOperatorProcess } from '../tools/controlplane/operator-process.ts';
import { measureDeclaredVsEmbedded } from './declared.ts';
import { loadAverage } from './process-stats.ts';
import { RawKube } from './raw-kube.ts';
import { round } from './stats.ts';

const options = new Command('declared-cost')
  .option('--samples <n>', 'entries of each kind', (v) => Number(v), 200)
  .option('--rate <n>', 'creates per second (open loop)', (v) => Number(v), 20)
  .parse()
  .opts<{ samples: number; rate: number }>();
const { 'validator-wasm': engine } = await ensureBinaries(['validator-wasm']);
const cp = await startControlPlane({ members: 1, log: (line) => console.log(`[declared-cost] ${line}`) });
const kube = new RawKube(cp.info.kubeconfig);
const etcd = new Etcd3({ hosts: [...cp.info.storeEndpoints] });
const dir = mkdtempSync(join(tmpdir(), 'cairn-declared-'));
const where = { namespace: 'bench-declared', prefix: '/bench-declared' };
try {
  await installCrds(cp.info);
  await installAdmissionPolicy(cp.info);
  await kube.send('POST', '/api/v1/namespaces', { metadata: { name: where.namespace } });
  const before = loadAverage();
  const args = [`--watch-namespace=${where.namespace}`, `--prefix=${where.prefix}`, '--no-leader-elect', '--log-level=warn', `--schema-engine-file=${engine ?? ''}`];
  const figures = await measureDeclaredVsEmbedded(() => startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args }), kube, etcd, where, options);
  const p = (s: { p50: number; p90: number; p99: number }): string => `p50 ${round(s.p50, 2)} ms, p90 ${round(s.p90, 2)} ms, p99 ${round(s.p99, 2)} ms`;
  console.log(`load average before: ${before.join(', ')}; after: ${loadAverage().join(', ')}`);
  console.log(`embedded (${'database@v1'}): ${p(figures.embeddedMs)} (n=${figures.embeddedMs.n})`);
  console.log(`declared (a copy):     ${p(figures.declaredMs)} (n=${figures.declaredMs.n})`);
  console.log(`schemas.declaredVsEmbeddedP50 = ${figures.declaredVsEmbeddedP50}; wrong results: ${figures.wrong.length}`);
} finally {
  etcd.close();
  await kube.close();
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
}
