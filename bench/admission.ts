/**
 * What a generated schema admission policy (src/schemas/admission) adds to a create: p50 of server-side
 * dry-run creates of a valid entry, with and without the policy bound, interleaved one by one so that
 * drift of a shared machine falls on both sides alike. The policy is bound to one namespace only (a
 * namespace selector added to the generated binding); the same entries go alternately to that
 * namespace and to another one the binding does not select. The schema is the embedded database@v1
 * (its openAPIV3Schema), declared under another name.
 */
import { generateAdmissionPolicy, type KubeObject } from '../src/schemas/admission/index.ts';
import { exportOpenAPIV3Schema } from '../src/schemas/json-schema.ts';
import type { RawKube } from './raw-kube.ts';
import { round, summarize, type Summary, until } from './stats.ts';
import { dataFor, entriesPath } from './workload.ts';

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const SCHEMA_ID = 'bench-database@v1';
const WITH = 'bench-admission-with';
const WITHOUT = 'bench-admission-without';
const LABEL = 'cairn-bench/admission';

export interface AdmissionFigures {
  readonly withoutPolicyMs: Summary;
  readonly withPolicyMs: Summary;
  readonly admissionCreateRatio: number;
}

export async function measureAdmissionCost(kube: RawKube, samples: number): Promise<AdmissionFigures> {
  const generated = generateAdmissionPolicy({ name: 'bench-database', version: 'v1', openAPIV3Schema: exportOpenAPIV3Schema('database@v1'), owner: { uid: '00000000-0000-0000-0000-000000000000' } });
  if (!generated.ok) throw new Error(`benchmark: the database schema was refused: ${JSON.stringify(generated.problems)}`);
  const binding = { ...generated.binding, spec: { ...(generated.binding.spec as object), matchResources: { namespaceSelector: { matchLabels: { [LABEL]: 'with' } } } } };
  await kube.send('POST', '/api/v1/namespaces', { metadata: { name: WITH, labels: { [LABEL]: 'with' } } });
  await kube.send('POST', '/api/v1/namespaces', { metadata: { name: WITHOUT } });
  await kube.send('POST', `${ADMISSION}/validatingadmissionpolicies`, generated.policy);
  await kube.send('POST', `${ADMISSION}/validatingadmissionpolicybindings`, binding);
  try {
    await until('the schema admission policy enforced', () => denied(kube, WITH), 30_000);
    if (await denied(kube, WITHOUT)) throw new Error('benchmark: the schema admission policy also applies where it is not bound');
    let n = 0;
    const create = async (namespace: string): Promise<number> => {
      const body = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: `adm-${n}`, namespace }, spec: { schema: SCHEMA_ID, data: dataFor(n++) } };
      const t0 = performance.now();
      await kube.send('POST', `${entriesPath(namespace)}?dryRun=All`, body);
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i++) await create(i % 2 === 0 ? WITH : WITHOUT); // warm connections and caches
    const without: number[] = [];
    const withPolicy: number[] = [];
    for (let i = 0; i < samples; i++) {
      // Alternate which side goes first, so neither always follows the other.
      if (i % 2 === 0) {
        withPolicy.push(await create(WITH));
        without.push(await create(WITHOUT));
      } else {
        without.push(await create(WITHOUT));
        withPolicy.push(await create(WITH));
      }
    }
    const withoutPolicyMs = summarize(without);
    const withPolicyMs = summarize(withPolicy);
    return { withoutPolicyMs, withPolicyMs, admissionCreateRatio: round(withPolicyMs.p50 / withoutPolicyMs.p50) };
  } finally {
    await kube.send('DELETE', `${ADMISSION}/validatingadmissionpolicybindings/${(binding as KubeObject).metadata.name}`);
    await kube.send('DELETE', `${ADMISSION}/validatingadmissionpolicies/${generated.policy.metadata.name}`);
  }
}

/** Denied by the policy: a host that is not a string. */
async function denied(kube: RawKube, namespace: string): Promise<boolean> {
  const body = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: 'adm-probe', namespace }, spec: { schema: SCHEMA_ID, data: { host: 1, database: 'd', user: 'u' } } };
  return kube.send('POST', `${entriesPath(namespace)}?dryRun=All`, body).then(() => false, () => true);
}
