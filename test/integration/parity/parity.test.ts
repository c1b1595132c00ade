import { readFile } from 'node:fs/promises';
import { BUNDLE_KIND } from '../../../src/api/names.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSchemaEngine } from '../../../src/schemas/engine/load.ts';
import { controlPlane } from '../../support/cluster.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { parityCorpus } from '../../parity/corpus-all.ts';
import { admissionJudge } from '../../parity/admission-judge.ts';
import { commitJudge } from '../../parity/commit-judge.ts';
import { engineJudge } from '../../parity/engine-judge.ts';
import type { Judge } from '../../parity/judge.ts';
import { oracleJudge } from '../../parity/oracle-judge.ts';
import { describeDisagreement, runParity } from '../../parity/run-parity.ts';

const CASES = 600;
const judges: Judge[] = [];

afterAll(async () => {
  for (const judge of judges) await judge.close();
});

describe('one verdict: the schema engine and admission (of an entry and of a bundle member) against the apiserver (server-side dry-run of a CRD per schema)', () => {
  it(`agrees on every schema (accepted or refused, and why) and on the verdict, the defaulted value (the engine's and the one the operator commits), the messages and the warnings of ${CASES} generated values`, async () => {
    const engine = await loadSchemaEngine(await readFile(validatorWasmPath()));
    // The defaulted value: the engine's and the one the operator commits (its registry and validateData), each against the oracle's.
    judges.push(oracleJudge(controlPlane().kubeconfig), engineJudge(engine), commitJudge(engine), admissionJudge(controlPlane().kubeconfig), admissionJudge(controlPlane().kubeconfig, { target: BUNDLE_KIND }));
    const seed = Number(process.env.CAIRN_PARITY_SEED ?? Date.now() % 1_000_000);
    const report = await runParity({ judges, corpus: parityCorpus(), cases: CASES, seed });
    console.log(`parity (seed ${seed}): ${report.cases} cases, ${report.disagreements.length} disagreements, ${report.accepted} accepted by the oracle; schemas refused by both: ${report.refusedSchemas.join(', ')}; abstained: ${JSON.stringify(report.abstained)}`);
    expect(report.schemaDisagreements).toEqual([]);
    expect(report.disagreements.map(describeDisagreement)).toEqual([]);
    // The corpus's refused-* schemas are refused by both, with the same messages.
    expect(report.refusedSchemas).toEqual(expect.arrayContaining(['refused-cel', 'refused-defaults', 'refused-not-structural']));
    expect(report.cases).toBe(CASES);
    // Both outcomes are exercised, or agreement would prove little.
    expect(report.accepted).toBeGreaterThan(CASES / 5);
    expect(report.cases - report.accepted).toBeGreaterThan(CASES / 5);
  }, 600_000);

  it(`agrees with fieldValidation=Strict too (kubectl's default): unknown fields refuse the value with the strict decoding error alone (${CASES / 2} values)`, async () => {
    const strict = [oracleJudge(controlPlane().kubeconfig, 'Strict'), engineJudge(await loadSchemaEngine(await readFile(validatorWasmPath())), 'Strict')];
    judges.push(...strict);
    const seed = Number(process.env.CAIRN_PARITY_SEED ?? Date.now() % 1_000_000) + 1;
    const report = await runParity({ judges: strict, corpus: parityCorpus(), cases: CASES / 2, seed });
    console.log(`parity, strict (seed ${seed}): ${report.cases} cases, ${report.disagreements.length} disagreements, ${report.accepted} accepted by the oracle`);
    expect(report.schemaDisagreements).toEqual([]);
    expect(report.disagreements.map(describeDisagreement)).toEqual([]);
    expect(report.cases - report.accepted).toBeGreaterThan(CASES / 10);
  }, 600_000);
});
