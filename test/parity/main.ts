/**
 * `npm run test:parity [-- --cases N --seed S --schemas a,b]`: starts a control plane of its own, runs
 * the differential test (default 10,000 cases; `--schemas` keeps only the corpus schemas named, e.g.
 * `feature-flags@v2`) and prints `N cases, N disagreements`; exits 1 on any disagreement.
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { BUNDLE_KIND } from '../../src/api/names.ts';
import { startControlPlane } from '../../tools/controlplane/control-plane.ts';
import { ensureBinaries } from '../../tools/binaries/ensure.ts';
import { loadSchemaEngine } from '../../src/schemas/engine/load.ts';
import { parityCorpus } from './corpus-all.ts';
import { installCrds } from '../../tools/controlplane/install-crds.ts';
import { admissionJudge } from './admission-judge.ts';
import { commitJudge } from './commit-judge.ts';
import { engineJudge } from './engine-judge.ts';
import { oracleJudge } from './oracle-judge.ts';
import { describeDisagreement, runParity } from './run-parity.ts';

const options = new Command('test:parity')
  .option('--cases <n>', 'values to judge', '10000')
  .option('--seed <n>', 'fast-check seed', String(Date.now() % 1_000_000))
  .option('--schemas <names>', 'comma-separated corpus schema names to judge (default: all)')
  .parse()
  .opts<{ cases: string; seed: string; schemas?: string }>();

const only = options.schemas?.split(',').map((s) => s.trim());
const corpus = parityCorpus().filter((s) => only === undefined || only.includes(s.name));
if (only !== undefined && corpus.length !== only.length) {
  console.error(`unknown corpus schema(s): ${only.filter((n) => !corpus.some((s) => s.name === n)).join(', ')}; known: ${parityCorpus().map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const { 'validator-wasm': wasm } = await ensureBinaries(['validator-wasm']);
const controlPlane = await startControlPlane({ members: 1, log: (line) => console.error(`[control plane] ${line}`) });
let failed = true;
try {
  await installCrds(controlPlane.info); // the ConfigEntry and ConfigBundle CRDs, for the admission judges
  const engine = await loadSchemaEngine(() => readFile(wasm ?? ''));
  // The engine's value, and the value the operator commits (its registry and validateData), against the oracle's.
  const judges = [oracleJudge(controlPlane.info.kubeconfig), engineJudge(engine), commitJudge(engine), admissionJudge(controlPlane.info.kubeconfig), admissionJudge(controlPlane.info.kubeconfig, { target: BUNDLE_KIND })];
  const started = Date.now();
  const report = await runParity({ judges, corpus, cases: Number(options.cases), seed: Number(options.seed), log: (line) => console.error(line) });
  for (const judge of judges) await judge.close();
  for (const d of report.schemaDisagreements) console.log(`schema ${d.schema} (${d.judge}): ${d.differences.join('; ')}`);
  for (const d of report.disagreements.slice(0, 20)) console.log(describeDisagreement(d));
  for (const [judge, names] of Object.entries(report.abstained)) console.error(`${judge} declined (abstained on) ${names.join(', ')}`);
  console.error(`schemas refused by every judge, with the same messages: ${report.refusedSchemas.join(', ') || 'none'}`);
  console.error(`seed ${options.seed}; ${report.accepted} accepted by the oracle, ${report.cases - report.accepted} refused; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const total = report.disagreements.length + report.schemaDisagreements.length;
  console.log(`${report.cases} cases, ${total} disagreements`);
  failed = total > 0;
} finally {
  await controlPlane.stop();
}
process.exit(failed ? 1 : 0);
