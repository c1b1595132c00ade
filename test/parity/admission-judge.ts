/**
 * Admission as a judge: the ValidatingAdmissionPolicy generated for each corpus schema
 * (src/schemas/admission), installed on the apiserver, and a server-side dry-run create of a
 * ConfigEntry naming that schema. Compared on the verdict only (a policy neither defaults nor writes
 * the apiserver's messages). It declines schemas by design (what the generator cannot translate
 * exactly): on those it abstains, and the report lists them.
 *
 * With `target: ConfigBundle` the judge is the bundle members' policy of the same schema: the value
 * is the data of the second member of a ConfigBundle whose first member names another schema (so the
 * policy must pick the member naming its version, and leave the other alone). A bundle wrapping the
 * data must get the verdict an entry of it gets.
 */
import { randomBytes } from 'node:crypto';
import { API_VERSION, BUNDLE_KIND, BUNDLE_PLURAL, KIND, PLURAL } from '../../src/api/names.ts';
import { type AdmissionTarget, generateAdmissionPolicy, type KubeObject } from '../../src/schemas/admission/index.ts';
import type { Aspect, CorpusSchema, Judge, SchemaVerdict, Verdict } from './judge.ts';
import { kubeRequester } from './kube-request.ts';

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
/** A label only the readiness probe carries; the probe validation denies it (test-only, first: the apiserver reports the first failure). */
const PROBE_LABEL = 'parity.cairn.dev/admission-probe';

export function admissionJudge(kubeconfigPath: string, options: { readonly namespace?: string; readonly target?: AdmissionTarget } = {}): Judge {
  const { namespace = 'default', target = KIND } = options;
  const kube = kubeRequester(kubeconfigPath);
  const run = randomBytes(3).toString('hex');
  const installed = new Map<string, { id: string; objects: KubeObject[] }>();

  /** The apiserver's answer, with a Status body's message (or the text) as `message`. */
  async function send(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: { message?: string } }> {
    const response = await kube(method, path, body);
    return { status: response.status, body: typeof response.body === 'object' && response.body !== null ? (response.body as { message?: string }) : { message: String(response.body) } };
  }

  function dryRunCreate(id: string, data: unknown, labels?: Record<string, string>) {
    const metadata = { name: 'value', ...(labels ? { labels } : {}) };
    if (target === BUNDLE_KIND) {
      const members = [{ key: 'other', schema: `p${run}-other@v1`, data: { any: 'thing' } }, { key: 'value', schema: id, data }];
      return send('POST', `/apis/${API_VERSION}/namespaces/${namespace}/${BUNDLE_PLURAL}?dryRun=All`, { apiVersion: API_VERSION, kind: BUNDLE_KIND, metadata, spec: { members } });
    }
    const entry = { apiVersion: API_VERSION, kind: KIND, metadata, spec: { schema: id, data } };
    return send('POST', `/apis/${API_VERSION}/namespaces/${namespace}/${PLURAL}?dryRun=All`, entry);
  }

  return {
    name: target === BUNDLE_KIND ? 'admission (bundle member)' : 'admission',
    aspects: new Set<Aspect>(),
    declines: true,
    async prepare(schema: CorpusSchema): Promise<SchemaVerdict> {
      const name = `p${run}-${schema.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 60);
      const generated = generateAdmissionPolicy({ name, version: 'v1', openAPIV3Schema: schema.schema, owner: { uid: '00000000-0000-0000-0000-000000000000' }, target });
      if (!generated.ok) return { ok: false, messages: generated.problems.map((p) => `${p.path}: ${p.message}`) };
      const spec = generated.policy.spec as { validations: unknown[] };
      const policy = { ...generated.policy, spec: { ...spec, validations: [{ expression: `!has(object.metadata.labels) || !(${JSON.stringify(PROBE_LABEL)} in object.metadata.labels)`, message: 'admission probe' }, ...spec.validations] } };
      // The apiserver compiles the policy's expressions on create: a compile error refuses the schema.
      const created = await send('POST', `${ADMISSION}/validatingadmissionpolicies`, policy);
      if (created.status !== 201) return { ok: false, messages: [`the apiserver refused the generated policy: ${created.body.message ?? created.status}`] };
      const bound = await send('POST', `${ADMISSION}/validatingadmissionpolicybindings`, generated.binding);
      if (bound.status !== 201) throw new Error(`the apiserver refused the binding of ${schema.name}: ${bound.body.message ?? bound.status}`);
      const id = `${name}@v1`;
      installed.set(schema.name, { id, objects: [generated.binding, policy] });
      // A policy takes effect once the apiserver's policy informer has it, a moment after the create.
      const deadline = Date.now() + 60_000;
      while (!(await dryRunCreate(id, {}, { [PROBE_LABEL]: 'yes' })).body.message?.includes('admission probe')) {
        if (Date.now() > deadline) throw new Error(`the admission policy of ${schema.name} was not enforced within 60 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return { ok: true };
    },
    async judge(schema: CorpusSchema, value: unknown): Promise<Verdict> {
      const target = installed.get(schema.name);
      if (target === undefined) throw new Error(`${schema.name} was not prepared`);
      const response = await dryRunCreate(target.id, value);
      if (response.status === 201) return { ok: true, value, warnings: [] };
      if ([400, 403, 422].includes(response.status)) return { ok: false, messages: [response.body.message ?? ''] };
      throw new Error(`the apiserver answered ${response.status} for ${schema.name}: ${JSON.stringify(response.body)}`);
    },
    async close(): Promise<void> {
      for (const { objects } of installed.values()) {
        for (const o of objects) await send('DELETE', `${ADMISSION}/${o.kind === 'ValidatingAdmissionPolicy' ? 'validatingadmissionpolicies' : 'validatingadmissionpolicybindings'}/${o.metadata.name}`);
      }
      installed.clear();
    },
  };
}
