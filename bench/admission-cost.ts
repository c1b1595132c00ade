/**
 * `npx node bench/admission-cost.ts [--samples N]`: only the schema admission measurement of the
 * benchmark (bench/admission.ts), on its own control plane, printed; bench/main.ts records the same
 * figure in latest.json as schemas.admissionCreateRatio. Nothing asserted.
 */
import { Command } from 'commander';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { measureAdmissionCost } from './admission.ts';
import { RawKube } from './raw-kube.ts';
import { round } from './stats.ts';

const options = new Command('admission-cost').option('--samples <n>', 'dry-run creates on each side', (v) => Number(v), 400).parse().opts<{ samples: number }>();
const cp = await startControlPlane({ members: 1, log: (line) => console.log(`[admission-cost] ${line}`) });
const kube = new RawKube(cp.info.kubeconfig);
try {
  await installCrds(cp.info);
  await installAdmissionPolicy(cp.info);
  const figures = await measureAdmissionCost(kube, options.samples);
  const p = (s: { p50: number; p90: number; p99: number }): string => `p50 ${round(s.p50, 3)} ms, p90 ${round(s.p90, 3)} ms, p99 ${round(s.p99, 3)} ms`;
  console.log(`without the policy: ${p(figures.withoutPolicyMs)} (n=${figures.withoutPolicyMs.n})`);
  console.log(`with the policy:    ${p(figures.withPolicyMs)} (n=${figures.withPolicyMs.n})`);
  console.log(`schemas.admissionCreateRatio = ${figures.admissionCreateRatio}`);
} finally {
  await kube.close();
  await cp.stop();
}
