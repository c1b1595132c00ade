/**
 * `npx node bench/reader-latency.ts [--samples N] [--rate N] [--members 1|3]`: only the reader's part
 * of the benchmark (the floors it divides by, then apply -> a cairn/client watch yields the typed
 * value), on its own control plane, printed with the load average; bench/main.ts records the same
 * figures in latest.json (ratios.applyToReaderP50/P99). Nothing asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { startOperatorProcess } from '../tools/controlplane/operator-process.ts';
import { WARMUP, measureFloorLatency } from './floor.ts';
import { measureGoFloor } from './floor-go.ts';
import { resolveBinary } from '../tools/binaries/resolve.ts';
import { loadAverage } from './process-stats.ts';
import { RawKube } from './raw-kube.ts';
import { measureReader } from './reader.ts';
import { round } from './stats.ts';

const options = new Command('reader-latency')
  .option('--samples <n>', 'creates measured', (v) => Number(v), 200)
  .option('--rate <n>', 'arrivals per second (open loop)', (v) => Number(v), 20)
  .option('--members <n>', 'etcd store members (1 or 3)', (v) => Number(v), 3)
  .parse()
  .opts<{ samples: number; rate: number; members: number }>();
const log = (line: string): void => console.log(`[reader-latency] ${line}`);
const loads: string[] = [`start ${loadAverage().join('/')}`];
const cp = await startControlPlane({ members: options.members === 1 ? 1 : 3, log });
const kube = new RawKube(cp.info.kubeconfig);
const etcd = new Etcd3({ hosts: [...cp.info.storeEndpoints] });
const dir = mkdtempSync(join(tmpdir(), 'cairn-reader-latency-'));
try {
  await installCrds(cp.info);
  await installAdmissionPolicy(cp.info);
  for (const ns of ['bench-floor', 'bench-floor-go', 'bench-reader']) await kube.send('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  const fence = await etcd.put('/bench-raw/fence').value('bench').exec();
  loads.push(`floors ${loadAverage().join('/')}`);
  // Without the probe (npm run bench builds it), the Node floor's create and txn stand in; said below.
  const goFloor = resolveBinary('bench-probe') === undefined ? undefined : measureGoFloor({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, namespace: 'bench-floor-go', prefix: '/bench-raw', fenceRevision: fence.header.revision, warmup: WARMUP, samples: options.samples, dir });
  const nodeFloor = await measureFloorLatency({ kube, etcd, fence: { key: '/bench-raw/fence', revision: fence.header.revision }, prefix: '/bench-raw' }, 'bench-floor', options.samples);
  loads.push(`reader ${loadAverage().join('/')}`);
  const target = { endpoints: cp.info.storeEndpoints, namespace: 'bench-reader', prefix: '/bench-reader' };
  const args = [`--watch-namespace=${target.namespace}`, `--prefix=${target.prefix}`, '--no-leader-elect', '--log-level=warn'];
  const reader = await measureReader(() => startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args }), kube, etcd, target, options);
  loads.push(`end ${loadAverage().join('/')}`);
  const base = goFloor ?? nodeFloor;
  const floorP50 = base.create.p50 + base.txn.p50 + nodeFloor.etcdWatch.p50;
  const floorP99 = base.create.p99 + base.txn.p99 + nodeFloor.etcdWatch.p99;
  const p = (s: { p50: number; p90: number; p99: number }): string => `p50 ${round(s.p50)} ms, p90 ${round(s.p90)} ms, p99 ${round(s.p99)} ms`;
  console.log(`load average (1/5/15) before each part: ${loads.join('; ')}`);
  console.log(goFloor ? `Go floor: create -> watch ${p(goFloor.create)}; etcd txn ${p(goFloor.txn)}` : 'Go floor: not measured (bench-probe not built); the reader floor below uses the Node floor throughout');
  console.log(`Node floor: create -> watch ${p(nodeFloor.create)}; etcd txn ${p(nodeFloor.txn)}; txn answered -> etcd watch event ${p(nodeFloor.etcdWatch)}`);
  console.log(`reader floor (${goFloor ? 'Go' : 'Node'} create + ${goFloor ? 'Go' : 'Node'} txn + etcd watch event): p50 ${round(floorP50)} ms, p99 ${round(floorP99)} ms`);
  console.log(`apply -> the commit on a plain etcd watch (the operator's part): ${p(reader.applyToEtcdWatchMs)}`);
  console.log(`apply -> cairn/client watch yields the value: ${p(reader.applyToReaderMs)} (n=${reader.applyToReaderMs.n}, wrong ${reader.wrong.length})`);
  console.log(`ratios.applyToReaderP50 = ${round(reader.applyToReaderMs.p50 / floorP50)}, applyToReaderP99 = ${round(reader.applyToReaderMs.p99 / floorP99)}`);
} finally {
  etcd.close();
  await kube.close();
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
}
