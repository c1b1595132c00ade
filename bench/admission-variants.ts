/**
 * `npx node bench/admission-variants.ts [--samples N] [--policy name=file.json ...] [--profile arm]`:
 * where a schema admission policy's cost goes, measured rather than guessed. One control plane; the
 * policy variants ("arms") are each bound to a namespace of their own (a namespace selector on the
 * binding), and the same dry-run creates of database@v1 data go round-robin to every arm's namespace
 * (the order rotates each round), so that a shared machine's drift falls on every arm alike. Prints
 * each arm's p50 and its ratio to the arm without a policy, overall and per fifth of the run (the
 * spread), then each arm alone in interleaved blocks: the apiserver's CPU time per create and the
 * ValidatingAdmissionPolicy plugin's time per create (steadier than latency on a loaded machine).
 *
 * Built-in arms: `none` (no policy bound), `generated` (src/schemas/admission for database@v1, as
 * bench/admission.ts binds it), `without-fast-path` (the same without its fast-path match condition,
 * src/schemas/admission/fast-path.ts), `trivial` (the same match conditions but the fast path, one validation `true`: the
 * floor of any policy that applies), `trivial-unconditioned` (no match condition), `excluded` (the
 * generated policy whose match condition names another schema: what every other schema version's
 * policy costs this create). `--policy name=file.json` adds an arm with a policy spec of its own.
 * `--profile arm` also takes a 20 s CPU profile of the apiserver (/debug/pprof) while only that arm's
 * creates run, and writes it to the file it prints (`go tool pprof -top <kube-apiserver> <file>`).
 * `--write-policies dir` only writes the arms' policy specs (for tools/go/admissionbench).
 * Nothing asserted: an experiment tool.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { startControlPlane } from '../tools/controlplane/control-plane.ts';
import { installAdmissionPolicy } from '../tools/controlplane/install-admission-policy.ts';
import { installCrds } from '../tools/controlplane/install-crds.ts';
import { FAST_PATH_CONDITION } from '../src/schemas/admission/fast-path.ts';
import { generateAdmissionPolicy } from '../src/schemas/admission/index.ts';
import { exportOpenAPIV3Schema } from '../src/schemas/json-schema.ts';
import { cpuSeconds, loadAverage } from './process-stats.ts';
import { RawKube } from './raw-kube.ts';
import { round, summarize, until } from './stats.ts';
import { dataFor, entriesPath } from './workload.ts';

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const SCHEMA_ID = 'bench-database@v1';
const LABEL = 'cairn-bench/admission-arm';

const options = new Command('admission-variants')
  .option('--samples <n>', 'dry-run creates per arm', (v) => Number(v), 600)
  .option('--policy <name=file>', 'an arm with this policy spec (JSON)', (v, all: string[]) => [...all, v], [] as string[])
  .option('--only <arms>', 'comma-separated arms to run (default: all)')
  .option('--profile <arm>', 'take a CPU profile of the apiserver under this arm alone')
  .option('--write-policies <dir>', 'only write each arm\'s policy spec to <dir>/<arm>.json (for tools/go/admissionbench)')
  .parse()
  .opts<{ samples: number; policy: string[]; only?: string; profile?: string; writePolicies?: string }>();

const generated = generateAdmissionPolicy({ name: 'bench-database', version: 'v1', openAPIV3Schema: exportOpenAPIV3Schema('database@v1'), owner: { uid: '00000000-0000-0000-0000-000000000000' } });
if (!generated.ok) throw new Error(`the database schema was refused: ${JSON.stringify(generated.problems)}`);
type Spec = Record<string, unknown>;
const spec = generated.policy.spec as Spec;
const matchConditions = spec.matchConditions as { name: string; expression: string }[];
// The one-term floor keeps the schema-version and spec conditions, not the fast path (which would
// evaluate every check of the generated policy).
const floorConditions = matchConditions.filter((c) => c.name !== FAST_PATH_CONDITION);
const arms = new Map<string, Spec | undefined>([
  ['none', undefined],
  ['generated', spec],
  ['without-fast-path', { ...spec, matchConditions: floorConditions }],
  ['trivial', { ...spec, matchConditions: floorConditions, variables: [], validations: [{ expression: 'true', message: 'never' }] }],
  ['trivial-unconditioned', { ...spec, matchConditions: [], variables: [], validations: [{ expression: 'true', message: 'never' }] }],
  ['excluded', { ...spec, matchConditions: matchConditions.map((c) => ({ ...c, expression: c.expression.replace(SCHEMA_ID, 'other@v1') })) }],
]);
for (const p of options.policy) {
  const [name, file] = p.split('=') as [string, string];
  arms.set(name, JSON.parse(readFileSync(file, 'utf8')) as Spec);
}
if (options.only !== undefined) for (const name of [...arms.keys()]) if (!options.only.split(',').includes(name)) arms.delete(name);

if (options.writePolicies !== undefined) {
  mkdirSync(options.writePolicies, { recursive: true });
  for (const [arm, policySpec] of arms) if (policySpec !== undefined) writeFileSync(`${options.writePolicies}/${arm}.json`, JSON.stringify(policySpec));
  process.exit(0);
}
const cp = await startControlPlane({ members: 1, log: (line) => console.log(`[admission-variants] ${line}`) });
const kube = new RawKube(cp.info.kubeconfig);
let n = 0;
const create = async (arm: string, data: unknown = dataFor(n)): Promise<number> => {
  const body = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: `adm-${n++}`, namespace: `adm-${arm}` }, spec: { schema: SCHEMA_ID, data } };
  const t0 = performance.now();
  await kube.send('POST', `${entriesPath(`adm-${arm}`)}?dryRun=All`, body);
  return performance.now() - t0;
};
try {
  await installCrds(cp.info);
  await installAdmissionPolicy(cp.info);
  for (const [arm, policySpec] of arms) {
    await kube.send('POST', '/api/v1/namespaces', { metadata: { name: `adm-${arm}`, labels: { [LABEL]: arm } } });
    if (policySpec === undefined) continue;
    const name = `bench.${arm}`;
    await kube.send('POST', `${ADMISSION}/validatingadmissionpolicies`, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: policySpec });
    await kube.send('POST', `${ADMISSION}/validatingadmissionpolicybindings`, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { [LABEL]: arm } } } } });
  }
  // Enforced: a policy that checks the data denies a host that is not a string.
  for (const arm of ['generated', 'without-fast-path', ...options.policy.map((p) => p.split('=')[0] as string)].filter((a) => arms.has(a))) {
    await until(`${arm} enforced`, () => create(arm, { host: 1, database: 'd', user: 'u' }).then(() => false, () => true), 30_000);
  }
  await new Promise((r) => setTimeout(r, 2_000)); // every informer has every policy
  const names = [...arms.keys()];
  for (let i = 0; i < 20; i++) for (const arm of names) await create(arm); // warm
  const load = [loadAverage()];
  const samples = new Map(names.map((a) => [a, [] as number[]]));
  for (let i = 0; i < options.samples; i++) {
    for (let j = 0; j < names.length; j++) {
      const arm = names[(i + j) % names.length] as string;
      samples.get(arm)?.push(await create(arm));
    }
  }
  load.push(loadAverage());
  const none = summarize(samples.get('none') ?? []).p50;
  const fifths = (xs: number[], k: number): number[] => xs.slice((k * xs.length) / 5, ((k + 1) * xs.length) / 5);
  console.log(`load average: before ${load[0]?.join(', ')}; after ${load[1]?.join(', ')}; ${options.samples} creates per arm`);
  for (const arm of names) {
    const xs = samples.get(arm) ?? [];
    const s = summarize(xs);
    const perFifth = [0, 1, 2, 3, 4].map((k) => round(summarize(fifths(xs, k)).p50 / summarize(fifths(samples.get('none') ?? [], k)).p50));
    console.log(`${arm.padEnd(24)} p50 ${round(s.p50, 3)} ms  ratio ${round(s.p50 / none, 3)}  per fifth ${perFifth.join(' ')}  mean ${round(s.mean, 2)} ms`);
  }
  // Less sensitive to a loaded machine than latency: the apiserver's own CPU time per create and the
  // ValidatingAdmissionPolicy plugin's wall time per create, each arm alone in blocks of 50 creates,
  // the arms' blocks interleaved; medians over the blocks.
  const apiserverPid = Number(readFileSync(`${cp.info.dir}/pids`, 'utf8').split('\n').find((l) => l.includes('kube-apiserver'))?.split(' ')[0]);
  const cpuPer = new Map(names.map((a) => [a, [] as number[]]));
  const pluginPer = new Map(names.map((a) => [a, [] as number[]]));
  for (let block = 0; block < 10; block++) {
    for (const arm of names) {
      const vap = (text: string): { sum: number; count: number } => pluginSeconds(text).get('ValidatingAdmissionPolicy/validate') ?? { sum: 0, count: 0 };
      const before = vap(await kube.sendText('GET', '/metrics'));
      const cpu0 = cpuSeconds(apiserverPid);
      for (let i = 0; i < 50; i++) await create(arm);
      const cpu1 = cpuSeconds(apiserverPid);
      const after = vap(await kube.sendText('GET', '/metrics'));
      cpuPer.get(arm)?.push(((cpu1 - cpu0) / 50) * 1e3);
      pluginPer.get(arm)?.push(((after.sum - before.sum) / Math.max(1, after.count - before.count)) * 1e6);
    }
  }
  const noneCpu = summarize(cpuPer.get('none') ?? []).p50;
  for (const arm of names) {
    const c = summarize(cpuPer.get(arm) ?? []).p50;
    console.log(`${arm.padEnd(24)} apiserver CPU per create ${round(c, 3)} ms (x${round(c / noneCpu, 3)} of none), ValidatingAdmissionPolicy plugin ${round(summarize(pluginPer.get(arm) ?? []).p50, 0)} µs per create`);
  }
  if (options.profile !== undefined) {
    const arm = options.profile;
    let running = true;
    const loop = (async () => {
      while (running) await create(arm);
    })();
    const before = n;
    const profile = await kube.getBytes('/debug/pprof/profile?seconds=20');
    running = false;
    await loop;
    const file = `/tmp/apiserver-${arm}-${Date.now()}.pprof`;
    writeFileSync(file, profile);
    console.log(`profile of ${arm}: ${n - before} creates in 20 s; ${file}; load average ${loadAverage().join(', ')}`);
  }
} finally {
  await kube.close();
  await cp.stop();
}

/**
 * Sum and count of apiserver_admission_controller_admission_duration_seconds (the wall time each
 * admission plugin spends on a request) per plugin and phase, for CREATEs that were not rejected.
 */
function pluginSeconds(text: string): Map<string, { sum: number; count: number }> {
  const out = new Map<string, { sum: number; count: number }>();
  for (const line of text.split('\n')) {
    const m = /^apiserver_admission_controller_admission_duration_seconds_(sum|count)\{([^}]*)\} (\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] as string).matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.operation !== 'CREATE' || labels.rejected !== 'false') continue;
    const key = `${labels.name}/${labels.type}`;
    const entry = out.get(key) ?? { sum: 0, count: 0 };
    entry[m[1] as 'sum' | 'count'] += Number(m[3]);
    out.set(key, entry);
  }
  return out;
}
