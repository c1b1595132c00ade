/**
 * `npm run dev`: Cairn on a local control plane it starts itself. A 3-member etcd store and a
 * kube-apiserver on its own etcd; the CRD and the finalizer admission policy; the operator as its own
 * process; the samples applied and reported with the value etcd holds. Stays up until Ctrl-C, then
 * stops everything it started.
 *
 * Ctrl-C at any moment, start-up included, stops everything in order within seconds and prints no
 * stack trace: the children run in process groups of their own, so the signal reaches this process
 * only, which cancels the start-up step in progress and stops them by pid (processes.ts). A real
 * failure is reported in one line and stops everything too.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ensureBinaries } from '../binaries/ensure.ts';
import { startControlPlane } from '../controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../controlplane/install-admission-policy.ts';
import { installCrds } from '../controlplane/install-crds.ts';
import { startOperatorProcess } from '../controlplane/operator-process.ts';
import { ShutdownError, installSignalHandlers, onShutdown, shutDown, shuttingDown, throwIfShuttingDown } from '../controlplane/processes.ts';
import { writeDevFiles } from './env-file.ts';
import { DEMO_NAMESPACE, applySamples, formatReports, reportSamples } from './samples.ts';

interface Options {
  readonly members: 1 | 3;
  readonly samples: boolean;
  readonly dir: string;
}

function parseMembers(value: string): 1 | 3 {
  if (value === '1' || value === '3') return Number(value) as 1 | 3;
  throw new InvalidArgumentError('an etcd store cluster has 1 or 3 members');
}

const log = (line: string): void => console.log(`[dev] ${line}`);
/** Relative to where the user stands when inside it, else absolute. */
const shown = (path: string): string => {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel || '.';
};

async function run(options: Options): Promise<void> {
  const devDir = resolve(options.dir);
  mkdirSync(devDir, { recursive: true });
  const controlPlane = await startControlPlane({ members: options.members, dir: resolve(devDir, 'cluster'), removeOnStop: true, log });
  const { 'validator-wasm': schemaEngineFile } = await ensureBinaries(['validator-wasm']);
  const files = writeDevFiles(devDir, controlPlane.info, schemaEngineFile);
  onShutdown(async () => {
    log('stopping the control plane');
    // The files describe a running control plane; a stale env file would point shells at nothing.
    rmSync(files.env, { force: true });
    rmSync(files.kubeconfig, { force: true });
    rmSync(files.bin, { recursive: true, force: true });
  });

  log('installing the ConfigEntry CRD');
  await installCrds(controlPlane.info);
  log('installing the finalizer admission policy (deploy/admission/)');
  await installAdmissionPolicy(controlPlane.info);
  log('starting the operator');
  const operator = await startOperatorProcess({
    kubeconfig: controlPlane.info.kubeconfig,
    storeEndpoints: controlPlane.info.storeEndpoints,
    dir: devDir,
    args: ['--lease-namespace=kube-system', '--identity=cairn-dev', `--schema-engine-file=${schemaEngineFile}`],
  });
  onShutdown(async () => {
    log('stopping the operator');
    await operator.stop();
  });
  writeDevFiles(devDir, controlPlane.info, schemaEngineFile, operator.metricsUrl);

  if (options.samples) {
    const samplesStarted = Date.now();
    log('applying deploy/samples');
    const refused = await applySamples(controlPlane.info, log);
    log('waiting for the samples to settle');
    const reports = await reportSamples(controlPlane.info, refused);
    log(`samples shown in ${((Date.now() - samplesStarted) / 1000).toFixed(1)}s`);
    console.log(`\nSample entries and bundles in namespace ${DEMO_NAMESPACE}:\n${formatReports(reports)}`);
  }

  console.log(`
Cairn is running on a local control plane.
  kube-apiserver  ${controlPlane.info.apiServerUrl}
  etcd store      ${controlPlane.info.storeEndpoints.join(', ')}
  operator        ${operator.metricsUrl}/metrics, /healthz, /readyz   (log: ${shown(operator.logFile)})

In another shell:
  source ${shown(files.env)}
  kubectl get ce -n ${DEMO_NAMESPACE}
  kubectl get cb -n ${DEMO_NAMESPACE}
  kubectl get configschemas
  kubectl apply -f deploy/samples/database.yaml
  etcdctl get --prefix /cairn/data/

Ctrl-C stops everything this started.`);

  // Up until Ctrl-C; an operator that dies meanwhile is a failure to report.
  const code = await operator.process.exited;
  throwIfShuttingDown();
  throw new Error(`the operator exited (code ${code}); its log: ${shown(operator.logFile)}`);
}

const options = new Command('dev')
  .description('run Cairn on a local control plane')
  .option('--members <n>', 'members of the etcd store cluster (1 or 3)', parseMembers, 3)
  .option('--no-samples', 'do not apply deploy/samples')
  .option('--dir <path>', 'where the control plane, the logs, the kubeconfig and the env file go', '.cairn/dev')
  .parse()
  .opts<Options>();

installSignalHandlers();
try {
  await run(options);
} catch (error) {
  // Stopping (Ctrl-C): whatever the interrupted step threw is expected; the handler exits.
  if (!(error instanceof ShutdownError) && !shuttingDown.aborted) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    shutDown(1);
  }
}
