/**
 * generateAdmissionPolicy: one ConfigSchema version -> a ValidatingAdmissionPolicy and its binding
 * (admissionregistration.k8s.io/v1, evaluated inside the apiserver, no webhook) that gives a
 * ConfigEntry naming `<name>@<version>` the verdict the apiserver's own CRD validation of that
 * openAPIV3Schema gives to its spec.data (docs/design-notes.md, "Admission policies generated from
 * schemas", lists what is translated and what is refused); with `target: ConfigBundle`, the policy
 * that gives every ConfigBundle member naming the version the same verdict on its data (members.ts).
 * Two policies per version rather than one for both kinds: each matches one resource, so an entry's
 * request never evaluates the members' checks nor their match condition, and each kind has the
 * apiserver's whole runtime cost budget (per binding) to itself.
 *
 * Guarantees: pure and deterministic (same input, same objects); names fit a DNS subdomain; both
 * objects are owned by the ConfigSchema (garbage-collected with it); a deprecated version warns
 * (its deprecation warning on every create and update, and every problem of the data) instead of
 * denying. Anything that cannot be translated with the same verdict is a problem naming its schema
 * path, and no policy is returned.
 * Errors: none thrown; problems are returned.
 */
import { createHash } from 'node:crypto';
import { BUNDLE_KIND, BUNDLE_PLURAL, GROUP, KIND, PLURAL, VERSION } from '../../api/names.ts';
import { stringLiteral } from './cel.ts';
import { fastPathCondition } from './fast-path.ts';
import { MEMBER_DATA, namesMember, overMembers } from './members.ts';
import { type Problem, readSchema } from './schema-node.ts';
import { ENTRY_DATA } from './sites.ts';
import { joinValidations, type Validation, validationsOf } from './validations.ts';

export type { Problem } from './schema-node.ts';

/** The kind whose data a policy judges: an entry's spec.data, or each bundle member's data. */
export type AdmissionTarget = typeof KIND | typeof BUNDLE_KIND;

export interface AdmissionPolicyInput {
  /** The ConfigSchema's name (cluster-scoped; a DNS subdomain). */
  readonly name: string;
  /** The version's name (`v1`). */
  readonly version: string;
  readonly openAPIV3Schema: unknown;
  readonly deprecated?: boolean;
  readonly deprecationWarning?: string;
  readonly owner: { readonly uid: string };
  /** Default ConfigEntry. */
  readonly target?: AdmissionTarget;
}

export type KubeObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } & Record<string, unknown> };

export type AdmissionPolicyResult = { ok: true; policy: KubeObject; binding: KubeObject } | { ok: false; problems: Problem[] };

export const ADMISSION_API_VERSION = 'admissionregistration.k8s.io/v1';
const MAX_NAME = 253;
/**
 * Longest joined validation expression (CEL source characters); see joinValidations. Its message
 * expression repeats the checks (about twice the size), and the apiserver's CEL parser refuses an
 * expression past 100,000 code points (cel-go's default, which Kubernetes keeps).
 */
export const MAX_EXPRESSION_CHARS = 50_000;
/** The same for a member policy: its message expression holds the expression once more (to find the member). */
export const MAX_MEMBER_EXPRESSION_CHARS = 30_000;

/** The match condition that leaves updates keeping the spec as it was alone (oldObject is null on create). */
export const SPEC_NEW_OR_CHANGED = 'oldObject == null || !has(oldObject.spec) || object.spec != oldObject.spec';

export function generateAdmissionPolicy(input: AdmissionPolicyInput): AdmissionPolicyResult {
  const read = readSchema(input.openAPIV3Schema);
  if (!read.ok) return { ok: false, problems: read.problems };
  const members = input.target === BUNDLE_KIND;
  const data = members ? MEMBER_DATA : ENTRY_DATA;
  const { validations, variables, problems } = validationsOf(read.node, data);
  if (problems.length > 0) return { ok: false, problems };

  const id = `${input.name}@${input.version}`;
  const joined = joinValidations(validations, members ? MAX_MEMBER_EXPRESSION_CHARS : MAX_EXPRESSION_CHARS, data);
  const judged = members ? joined.map((v) => overMembers(v, id)) : joined;
  const name = policyName(input.name, input.version, input.target);
  const metadata = {
    name,
    labels: { 'app.kubernetes.io/part-of': 'cairn', 'app.kubernetes.io/component': 'schema-admission', 'cairn.dev/schema': input.name, 'cairn.dev/schema-version': input.version },
    ownerReferences: [{ apiVersion: `${GROUP}/${VERSION}`, kind: 'ConfigSchema', name: input.name, uid: input.owner.uid, controller: true }],
  };
  const namesVersion = `has(object.spec) && has(object.spec.schema) && object.spec.schema == ${stringLiteral(id)}`;
  // A valid entry skips the validations (fast-path.ts); not for a deprecated version (every request
  // gets its warning) nor bundle members.
  const fastPath = members || input.deprecated ? undefined : fastPathCondition(read.node, namesVersion, MAX_EXPRESSION_CHARS);
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
        resourceRules: [{ apiGroups: [GROUP], apiVersions: [VERSION], operations: ['CREATE', 'UPDATE'], resources: [members ? BUNDLE_PLURAL : PLURAL] }],
      },
      matchConditions: [
        members ? { name: 'names-schema-version-in-members', expression: namesMember(id) } : { name: 'names-schema-version', expression: namesVersion },
        // Only a spec that is new or changed is judged (as CRD validation ratcheting lets unchanged
        // values through): an object whose data a schema refuses because it predates the policy can
        // still be labelled, and the operator can still remove its finalizer when it is deleted.
        { name: 'spec-new-or-changed', expression: SPEC_NEW_OR_CHANGED },
        ...(fastPath === undefined ? [] : [fastPath]),
      ],
      variables,
      validations: [...warnings, ...judged].map(({ expression, message, messageExpression, reason }) => ({ expression, message, ...(messageExpression === undefined ? {} : { messageExpression }), reason })),
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

/**
 * `cairn.dev.schema.<name>.<version>` (entries), `cairn.dev.schema-members.<name>.<version>` (bundle
 * members); longer than a DNS subdomain allows: cut, plus a hash of the whole.
 */
export function policyName(name: string, version: string, target: AdmissionTarget = KIND): string {
  const full = `cairn.dev.${target === BUNDLE_KIND ? 'schema-members' : 'schema'}.${name}.${version}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 16);
  return `${full.slice(0, MAX_NAME - hash.length - 1).replace(/[.-]+$/, '')}.${hash}`;
}
