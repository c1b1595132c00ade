/**
 * generateAdmissionPolicy: one ConfigSchema version -> a ValidatingAdmissionPolicy and its binding
 * (admissionregistration.k8s.io/v1, evaluated inside the apiserver, no webhook) that gives a
 * ConfigEntry naming `<name>@<version>` the verdict the apiserver's own CRD validation of that
 * openAPIV3Schema gives to its spec.data (docs/design-notes.md, "Admission policies generated from
 * schemas", lists what is translated and what is refused).
 *
 * Guarantees: pure and deterministic (same input, same objects); names fit a DNS subdomain; both
 * objects are owned by the ConfigSchema (garbage-collected with it); a deprecated version warns
 * (its deprecation warning on every create and update, and every problem of the data) instead of
 * denying. Anything that cannot be translated with the same verdict is a problem naming its schema
 * path, and no policy is returned.
 * Errors: none thrown; problems are returned.
 */
import { createHash } from 'node:crypto';
import { GROUP, PLURAL, VERSION } from '../../api/names.ts';
import { stringLiteral } from './cel.ts';
import { type Problem, readSchema } from './schema-node.ts';
import { joinValidations, type Validation, validationsOf } from './validations.ts';

export type { Problem } from './schema-node.ts';

export interface AdmissionPolicyInput {
  /** The ConfigSchema's name (cluster-scoped; a DNS subdomain). */
  readonly name: string;
  /** The version's name (`v1`). */
  readonly version: string;
  readonly openAPIV3Schema: unknown;
  readonly deprecated?: boolean;
  readonly deprecationWarning?: string;
  readonly owner: { readonly uid: string };
}

export type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } & Record<string, unknown> };

export type AdmissionPolicyResult = { ok: true; policy: KubeObject; binding: KubeObject } | { ok: false; problems: Problem[] };

export const ADMISSION_API_VERSION = 'admissionregistration.k8s.io/v1';
const MAX_NAME = 253;
/** Longest joined validation expression (CEL source characters); see joinValidations. */
export const MAX_EXPRESSION_CHARS = 50_000;

export function generateAdmissionPolicy(input: AdmissionPolicyInput): AdmissionPolicyResult {
  const read = readSchema(input.openAPIV3Schema);
  if (!read.ok) return { ok: false, problems: read.problems };
  const { validations, variables, problems } = validationsOf(read.node);
  if (problems.length > 0) return { ok: false, problems };

  const id = `${input.name}@${input.version}`;
  const name = policyName(input.name, input.version);
  const metadata = {
    name,
    labels: { 'app.kubernetes.io/part-of': 'cairn', 'app.kubernetes.io/component': 'schema-admission', 'cairn.dev/schema': input.name, 'cairn.dev/schema-version': input.version },
    ownerReferences: [{ apiVersion: `${GROUP}/${VERSION}`, kind: 'ConfigSchema', name: input.name, uid: input.owner.uid, controller: true }],
  };
  const warnings: Validation[] = input.deprecated
    ? [{ expression: 'false', message: input.deprecationWarning ?? `${id} is deprecated`, messageExpression: stringLiteral(input.deprecationWarning ?? `${id} is deprecated`), reason: 'Invalid' }]
    : [];
  const policy: KubeObject = {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata,
    spec: {
      // An expression that errors (a rule on data of the wrong shape, a cost limit) denies, as the
      // apiserver's CRD validation reports an error for it.
      failurePolicy: 'Fail',
      // The version named, not '*': the type checker skips a rule with a wildcard version (so a
      // policy matching '*' is never type-checked); `Equivalent` (the default, written out) still
      // matches requests through any other version of configentries.
      matchConstraints: {
        matchPolicy: 'Equivalent',
        resourceRules: [{ apiGroups: [GROUP], apiVersions: [VERSION], operations: ['CREATE', 'UPDATE'], resources: [PLURAL] }],
      },
      matchConditions: [{ name: 'names-schema-version', expression: `has(object.spec) && has(object.spec.schema) && object.spec.schema == ${stringLiteral(id)}` }],
      variables,
      validations: [...warnings, ...joinValidations(validations, MAX_EXPRESSION_CHARS)].map(({ expression, message, messageExpression, reason }) => ({ expression, message, ...(messageExpression === undefined ? {} : { messageExpression }), reason })),
    },
  };
  const binding: KubeObject = {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata,
    spec: { policyName: name, validationActions: input.deprecated ? ['Warn'] : ['Deny'] },
  };
  return { ok: true, policy, binding };
}

/** `cairn.dev.schema.<name>.<version>`; longer than a DNS subdomain allows: cut, plus a hash of the whole. */
export function policyName(name: string, version: string): string {
  const full = `cairn.dev.schema.${name}.${version}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 16);
  return `${full.slice(0, MAX_NAME - hash.length - 1).replace(/[.-]+$/, '')}.${hash}`;
}
