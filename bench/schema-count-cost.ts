/**
 * `npx node bench/schema-count-cost.ts [--entries N] [--rate R]`: what a burst of entry creates of an
 * embedded schema (database@v1, kept as a ConfigSchema) costs on the ConfigSchema side: the
 * apiserver's write requests to configschemas and admission policies/bindings during the burst (its
 * own apiserver_request_total), the operator's configschema reconciles, and its CPU seconds. On its
 * own control plane, printed with the load average. Nothing asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { ensureBinaries } from '../tools/binaries/ensure.ts';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { startOperatorProcess } from '../tools/controlplane/operator-process.ts';
import { cpuSeconds, loadAverage } from './process-stats.ts';
import { RawKube } from './raw-kube.ts';
import { openLoop, round, until } from './stats.ts';
import { WatchTracker } from './watch-tracker.ts';
import { dataFor, entriesPath, entryBody } from './workload.ts';

const options = new Command('schema-count-cost')
  .option('--entries <n>', 'entries created', (v) => Number(v), 200)
  .option('--rate <n>', 'creates per second (open loop)', (v) => Number(v), 20)
  .parse()
  .opts<{ entries: number; rate: number }>();
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE']);
const RESOURCES = ['configschemas', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings'];

/** Write requests the apiserver served, by resource (and subresource), from its /metrics. */
async function apiserverWrites(kube: RawKube): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await kube.sendText('GET', '/metrics')).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (name: string): string => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    if (!RESOURCES.includes(label('resource')) || !WRITES.has(label('verb'))) continue;
    const key = `${label('resource')}${label('subresource') ? `/${label('subresource')}` : ''} ${label('verb')}`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

function minus(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0));
}

const { 'validator-wasm': engine } = await ensureBinaries(['validator-wasm']);
const cp = await startControlPlane({ members: 1, log: (line) => console.log(`[schema-count-cost] ${line}`) });
const kube = new RawKube(cp.info.kubeconfig);
const dir = mkdtempSync(join(tmpdir(), 'cairn-schema-count-'));
const namespace = 'bench-schema-count';
try {
  await installCrds(cp.info);
  await installAdmissionPolicy(cp.info);
  await kube.send('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
  const args = [`--watch-namespace=${namespace}`, '--prefix=/bench-schema-count', '--no-leader-elect', '--log-level=warn', `--schema-engine-file=${engine ?? ''}`];
  const operator = await startOperatorProcess({ kubeconfig: cp.info.kubeconfig, storeEndpoints: cp.info.storeEndpoints, dir, args });
  const tracker = await WatchTracker.start(kube, namespace);
  try {
    const status = async (): Promise<{ entries?: number; conditions?: { type: string; status: string }[] } | undefined> =>
      ((await kube.send('GET', '/apis/cairn.dev/v1alpha1/configschemas/database')) as { status?: { entries?: number; conditions?: { type: string; status: string }[] } }).status;
    await until('ConfigSchema database Ready', async () => (await status().catch(() => undefined))?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false, 180_000);
    // Start-up (every embedded schema created and reconciled) settles: no write for 3 s.
    let seen = '';
    await until('start-up writes settled', async () => {
      const now = JSON.stringify(await apiserverWrites(kube));
      const settled = now === seen;
      seen = now;
      if (!settled) await new Promise((r) => setTimeout(r, 3000));
      return settled;
    }, 180_000);
    const load = loadAverage();
    const writesBefore = await apiserverWrites(kube);
    const reconcilesBefore = await operator.metric('controller_runtime_reconcile_total{controller="configschema",result="success"}');
    const cpuBefore = cpuSeconds(operator.process.pid);
    await openLoop(options.entries, options.rate, async (i) => {
      const name = `count-${i}`;
      const ready = tracker.whenReady(name, 1);
      await kube.send('POST', entriesPath(namespace), entryBody(namespace, name, dataFor(i)));
      await ready;
    });
    await until(`the ENTRIES count of ${options.entries}`, async () => (await status())?.entries === options.entries, 60_000);
    const cpu = cpuSeconds(operator.process.pid) - cpuBefore;
    const writes = minus(await apiserverWrites(kube), writesBefore);
    const reconciles = (await operator.metric('controller_runtime_reconcile_total{controller="configschema",result="success"}')) - reconcilesBefore;
    console.log(`${options.entries} creates of database@v1 at ${options.rate}/s, all Ready, ENTRIES ${options.entries}`);
    console.log(`apiserver writes during the burst: ${JSON.stringify(writes)}`);
    console.log(`configschema reconciles (success): ${reconciles}; operator CPU: ${round(cpu, 2)} s`);
    console.log(`load average before: ${load.join(', ')}; after: ${loadAverage().join(', ')}`);
  } finally {
    tracker.close();
    await operator.stop();
  }
} finally {
  await kube.close();
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
}
