/**
 * `cairn validate` agrees with admission on the parity corpus of the schema issue (test/parity):
 * every corpus schema is declared as a ConfigSchema in a manifest with generated values as
 * ConfigEntries naming it, and one `cairn validate -o json` process judges them all. For the same
 * values, admission is the real apiserver (the policy generated for the schema, bound, and a
 * server-side dry-run create of the entry), and the oracle is the apiserver's own CRD validation of
 * the schema (what the operator reports at commit).
 *
 * Compared: validate's verdict with admission's, value by value; validate's messages with the
 * oracle's (a policy writes messages of its own and reports only its first failure, so admission's
 * wording is not validate's; the operator's is). A schema admission cannot serve (the generator
 * declines it) is one the operator stalls: validate must refuse it with the generator's problems, and
 * its entries as naming a schema that is not Ready.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { parityCorpus } from '../../parity/corpus-all.ts';
import { admissionJudge } from '../../parity/admission-judge.ts';
import type { Judge, SchemaVerdict } from '../../parity/judge.ts';
import { oracleJudge } from '../../parity/oracle-judge.ts';
import { casesOf } from '../../parity/values.ts';
import { controlPlane } from '../../support/cluster.ts';
import { clusterEnv, runCairn } from './run-cairn.ts';

const VALUES_PER_SCHEMA = 40;
const judges: Judge[] = [];

afterAll(async () => {
  for (const judge of judges) await judge.close();
});

interface Report {
  readonly documents: { readonly file: string; readonly index: number; readonly kind: string; readonly status: string; readonly problems: { readonly message: string }[] }[];
}

const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
const sorted = (messages: readonly string[]): string[] => [...messages].sort();

describe('cairn validate agrees with admission on the parity corpus (real apiserver)', () => {
  it(`gives admission's verdict and the apiserver's messages on ${VALUES_PER_SCHEMA} generated values of every corpus schema`, async () => {
    const oracle = oracleJudge(controlPlane().kubeconfig);
    const admission = admissionJudge(controlPlane().kubeconfig);
    judges.push(oracle, admission);
    const seed = Number(process.env.CAIRN_PARITY_SEED ?? Date.now() % 1_000_000);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-validate-parity-'));
    const corpus = parityCorpus();
    const plan: { name: string; file: string; values: unknown[]; oracleSchema: SchemaVerdict; admissionSchema: { ok: boolean; messages?: readonly string[] } }[] = [];
    for (const [i, schema] of corpus.entries()) {
      const name = `c${i}-${schema.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
      const values = fc.sample(casesOf(schema.schema), { numRuns: VALUES_PER_SCHEMA, seed: seed + i });
      const documents = [
        { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigSchema', metadata: { name }, spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: schema.schema } }] } },
        ...values.map((data, j) => ({ apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: `v${j}`, namespace: name }, spec: { schema: `${name}@v1`, data } })),
      ];
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, documents.map((d) => stringify(d, { version: '1.1' })).join('---\n'));
      plan.push({ name: schema.name, file, values, oracleSchema: await oracle.prepare(schema), admissionSchema: await admission.prepare(schema) });
    }

    const run = await runCairn(['validate', '-f', dir, '-o', 'json'], { env: clusterEnv() });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Report;

    const disagreements: string[] = [];
    let compared = 0;
    let refusedByAdmission = 0;
    let accepted = 0;
    for (const [i, item] of plan.entries()) {
      const schema = corpus[i]!;
      const docs = report.documents.filter((d) => d.file === item.file);
      const [schemaDoc, ...entries] = docs;
      const schemaServed = item.oracleSchema.ok && item.admissionSchema.ok;
      if ((schemaDoc?.status === 'valid') !== schemaServed) disagreements.push(`${item.name}: ConfigSchema ${schemaDoc?.status} vs oracle ${item.oracleSchema.ok}, admission ${item.admissionSchema.ok}`);
      if (!item.oracleSchema.ok) {
        // Refused as the apiserver refuses it in a CRD: the same problems.
        const ours = (schemaDoc?.problems[0]?.message ?? '').replace(/^spec\.versions\[0\] \(v1\): /, '').split('; ');
        if (JSON.stringify(sorted(ours)) !== JSON.stringify(sorted((item.oracleSchema as { messages: readonly string[] }).messages))) disagreements.push(`${item.name}: schema messages ${JSON.stringify(ours)} vs ${JSON.stringify(item.oracleSchema)}`);
      } else if (!item.admissionSchema.ok) {
        refusedByAdmission += 1;
        expect(schemaDoc?.problems[0]?.message).toBe(`spec.versions[0] (v1): ${item.admissionSchema.messages?.join('; ')}`);
        entries.forEach((e, j) => {
          if (isObject(item.values[j])) expect(e.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^spec\.schema: ConfigSchema \S+ is not Ready: v1: /)]);
          else expect(e.status).toBe('invalid');
        });
      }
      if (!schemaServed) continue;
      for (const [j, value] of item.values.entries()) {
        const ours = entries[j];
        const expected = await admission.judge(schema, value);
        const reference = await oracle.judge(schema, value);
        compared += 1;
        if (expected.ok) accepted += 1;
        if ((ours?.status === 'valid') !== expected.ok) {
          disagreements.push(`${item.name} ${JSON.stringify(value)}: validate ${ours?.status} vs admission ${expected.ok ? 'accepted' : 'refused'} (${JSON.stringify(ours?.problems)})`);
          continue;
        }
        // The messages of an object's data: a non-object spec.data is refused by the ConfigEntry CRD's own shape (words of its own).
        if (!reference.ok && isObject(value)) {
          const ourMessages = sorted(ours?.problems.map((p) => p.message) ?? []);
          if (JSON.stringify(ourMessages) !== JSON.stringify(sorted(reference.messages))) disagreements.push(`${item.name} ${JSON.stringify(value)}: messages ${JSON.stringify(ourMessages)} vs ${JSON.stringify(reference.messages)}`);
        }
      }
    }
    console.log(`validate parity (seed ${seed}): ${compared} values compared with admission (${accepted} admitted), ${disagreements.length} disagreements; ${refusedByAdmission} schemas declined by the admission generator, refused by validate too`);
    expect(disagreements).toEqual([]);
    expect(compared).toBeGreaterThan(300);
    expect(refusedByAdmission).toBeGreaterThan(0);
    // Both outcomes are exercised, or agreement would prove little.
    expect(accepted).toBeGreaterThan(compared / 5);
    expect(compared - accepted).toBeGreaterThan(compared / 5);
  }, 900_000);
});
