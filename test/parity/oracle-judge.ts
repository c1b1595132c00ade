/**
 * The oracle: the real kube-apiserver. Each corpus schema is served by a CRD of its own whose
 * openAPIV3Schema is exactly what the engine compiles (entrySchemaOf: the schema at spec.data), and
 * each value is sent as a server-side dry-run create; the apiserver answers the defaulted, pruned
 * object, or a Status whose causes are its field errors. Nothing is stored.
 */
import { randomBytes } from 'node:crypto';
import { entrySchemaOf } from '../../src/schemas/engine/engine.ts';
import type { Aspect, CorpusSchema, Judge, SchemaVerdict, Verdict } from './judge.ts';
import { type Response, kubeRequester } from './kube-request.ts';

const GROUP = 'parity.cairn.dev';

interface Served {
  readonly plural: string;
  readonly kind: string;
}

interface StatusBody {
  readonly message?: string;
  readonly details?: { readonly causes?: readonly { readonly field?: string; readonly message?: string }[] };
}

/** Where the data schema sits in the CRD (entrySchemaOf), as the apiserver names it. */
const DATA_SCHEMA = 'spec.validation.openAPIV3Schema.properties[spec].properties[data]';

/** A CRD's refusal, rooted at the data schema as the engine roots its problems. */
function schemaMessageOf(message: string): string {
  if (message.startsWith(DATA_SCHEMA)) return `openAPIV3Schema${message.slice(DATA_SCHEMA.length)}`;
  return message.replace(/^spec\.validation\.openAPIV3Schema:/, 'openAPIV3Schema:');
}

/**
 * The one normalisation of a value's messages: a strict decoding error (400) names the test CRD's
 * kind first (`P1a2b3x0 in version "v1" cannot be handled as a P1a2b3x0: strict decoding error: ...`);
 * the kind is the harness's, not the schema's, so only what follows it is compared.
 */
function withoutKind(message: string): string {
  return message.replace(/^\S+ in version "[^"]*" cannot be handled as a \S+: /, '');
}

function messagesOf(body: StatusBody): string[] {
  const causes = body.details?.causes ?? [];
  if (causes.length === 0) return [withoutKind(body.message ?? JSON.stringify(body))];
  return causes.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`);
}

/** `fieldValidation`: Warn (the apiserver's default: prune and warn) or Strict (kubectl's default). */
export function oracleJudge(kubeconfigPath: string, fieldValidation: 'Warn' | 'Strict' = 'Warn'): Judge {
  const send = kubeRequester(kubeconfigPath);
  const run = randomBytes(3).toString('hex');
  const served = new Map<string, Served>();

  async function until(what: string, ready: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(await ready())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function dryRunCreate(target: Served, data: unknown): Promise<Response> {
    const object = { apiVersion: `${GROUP}/v1`, kind: target.kind, metadata: { name: 'value' }, spec: { data } };
    return send('POST', `/apis/${GROUP}/v1/namespaces/default/${target.plural}?dryRun=All&fieldValidation=${fieldValidation}`, object);
  }

  return {
    name: fieldValidation === 'Warn' ? 'oracle' : 'oracle (strict)',
    aspects: new Set<Aspect>(['value', 'messages', 'warnings']),
    async prepare(schema: CorpusSchema): Promise<SchemaVerdict> {
      const index = served.size;
      const target = { plural: `p${run}x${index}`, kind: `P${run}x${index}` };
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${target.plural}.${GROUP}`, labels: { 'parity.cairn.dev/schema': schema.name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63) } },
        spec: {
          group: GROUP,
          scope: 'Namespaced',
          names: { plural: target.plural, singular: target.plural, kind: target.kind, listKind: `${target.kind}List` },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: entrySchemaOf(schema.schema) } }],
        },
      };
      const created = await send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
      if (created.status === 422) return { ok: false, messages: messagesOf(created.body as StatusBody).map(schemaMessageOf) };
      if (created.status !== 201) throw new Error(`the apiserver answered ${created.status} for the CRD of ${schema.name}: ${JSON.stringify(created.body)}`);
      served.set(schema.name, target);
      // Established is not yet served: wait until a dry-run create reaches the resource's handler.
      await until(`${schema.name}'s CRD to be served`, async () => [201, 400, 422].includes((await dryRunCreate(target, {})).status));
      return { ok: true };
    },
    async judge(schema: CorpusSchema, value: unknown): Promise<Verdict> {
      const target = served.get(schema.name);
      if (target === undefined) throw new Error(`${schema.name} was not prepared`);
      const response = await dryRunCreate(target, value);
      if (response.status === 201) {
        const object = response.body as { spec?: { data?: unknown } };
        return { ok: true, value: object.spec?.data, warnings: response.warnings };
      }
      if (response.status === 422 || response.status === 400) return { ok: false, messages: messagesOf(response.body as StatusBody) };
      throw new Error(`the apiserver answered ${response.status} for ${schema.name}: ${JSON.stringify(response.body)}`);
    },
    async close(): Promise<void> {
      for (const target of served.values()) await send('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${target.plural}.${GROUP}`);
      served.clear();
    },
  };
}
