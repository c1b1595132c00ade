/**
 * kube-controller-manager's ValidatingAdmissionPolicy status controller, alone
 * (tools/go/kubernetes/policystatus), against a control plane: it type-checks each policy's new
 * generation against the matched kinds' schemas and writes status.observedGeneration and
 * status.typeChecking, which kube-apiserver never writes. A real cluster runs it inside
 * kube-controller-manager; the test control plane does not run one, so tests that need the type
 * check start this next to it (on a control plane of their own: it checks every policy it sees).
 *
 * Contract: resolves once the process runs (it writes `policystatus: running` after its client is
 * configured); the caller stops it (ManagedProcess.stop), and the harness stops it on exit anyway.
 * Errors: the binary missing and not buildable (BuildFailedError), or the process exiting at start
 * (ProcessExitedError with its log's tail).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinaries } from '../binaries/ensure.ts';
import type { ControlPlaneInfo } from './control-plane.ts';
import { ManagedProcess, waitUntil } from './processes.ts';

export async function startPolicyStatusController(info: ControlPlaneInfo): Promise<ManagedProcess> {
  const { 'policy-status': binary } = await ensureBinaries(['policy-status']);
  const logFile = join(info.dir, 'policy-status.log');
  const proc = ManagedProcess.start({
    name: 'policy-status',
    command: binary as string,
    args: ['--kubeconfig', info.kubeconfig],
    logFile,
    pidFile: join(info.dir, 'pids'),
  });
  await waitUntil(proc, 'the policy status controller to start', async () => readFileSync(logFile, 'utf8').includes('policystatus: running'), 30_000);
  return proc;
}
