/**
 * `npm run dev`: the local control plane (a 3-member etcd store and kube-apiserver on its own etcd),
 * with files for other shells in .cairn/dev/. Stays up until Ctrl-C, then stops everything it started.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startControlPlane } from '../controlplane/control-plane.ts';
import { onShutdown } from '../controlplane/processes.ts';
import { writeDevFiles } from './env-file.ts';

function parseMembers(value: string): 1 | 3 {
  if (value === '1' || value === '3') return Number(value) as 1 | 3;
  throw new InvalidArgumentError('an etcd store cluster has 1 or 3 members');
}

const options = new Command('dev')
  .description('run Cairn on a local control plane')
  .option('--members <n>', 'members of the etcd store cluster (1 or 3)', parseMembers, 3)
  .parse()
  .opts<{ members: 1 | 3 }>();

const devDir = resolve('.cairn', 'dev');
mkdirSync(devDir, { recursive: true });
const log = (line: string): void => console.log(`[dev] ${line}`);

const controlPlane = await startControlPlane({ members: options.members, dir: resolve(devDir, 'cluster'), removeOnStop: true, log });
const files = writeDevFiles(devDir, controlPlane.info);
onShutdown(async () => {
  log('stopping the control plane');
  // The files describe a running control plane; a stale env file would point shells at nothing.
  rmSync(files.env, { force: true });
  rmSync(files.kubeconfig, { force: true });
});

console.log(`
Cairn's local control plane is up.
  kube-apiserver  ${controlPlane.info.apiServerUrl}
  etcd store      ${controlPlane.info.storeEndpoints.join(', ')}

In another shell:
  source ${files.env.replace(`${process.cwd()}/`, '')}
  kubectl get ns
  etcdctl endpoint health

Ctrl-C stops everything this started.`);

await new Promise<never>(() => {});
