/**
 * judgeVersions: a ConfigSchema's declared versions -> for each, whether it can be served, with what
 * admission policy and what published record. Pure: compilation is handed in (the reconciler's
 * registry compiles once per schema content and caches), the policy generator is pure.
 *
 *   version                                   state      then
 *   served, compiles, policies generated      Pending    the reconciler applies, type-checks, publishes
 *   served, refused by the engine             Invalid    Stalled InvalidSchema (message: the path)
 *   served, refused by the policy generator   Invalid    Stalled AdmissionPolicyRefused (the rule)
 *   not served                                NotServed  nothing applied or published
 *
 * Guarantees: every refusal message starts with the version and names the schema path the engine or
 * the generator reported; the first refusal decides the schema's reason (engine before generator).
 * Errors: none thrown.
 */
import type { ConfigSchema, VersionState } from '../api/config-schema.ts';
import { INVALID_SCHEMA, POLICY_REFUSED } from '../api/conditions.ts';
import { BUNDLE_KIND, KIND } from '../api/names.ts';
import { type AdmissionTarget, generateAdmissionPolicy, type KubeObject } from '../schemas/admission/index.ts';
import type { Compiled, JsonSchema } from '../schemas/engine/engine.ts';
import type { PublishedVersion } from './plan-schema.ts';

export interface VersionVerdict {
  readonly name: string;
  readonly state: VersionState;
  readonly message?: string;
  /**
   * Present when the version is served and passed both checks: the policy and binding judging
   * entries, then those judging bundle members (the same checks; one generator).
   */
  readonly admission?: readonly AdmissionObjects[];
  readonly published?: PublishedVersion;
}

export interface AdmissionObjects {
  readonly policy: KubeObject;
  readonly binding: KubeObject;
}

export interface SchemaVerdict {
  readonly versions: readonly VersionVerdict[];
  /** The first refusal, as the schema's Stalled reason and message; undefined when every served version passed. */
  readonly refusal?: { readonly reason: string; readonly message: string };
}

/** Compiles `openAPIV3Schema` of schema id `id` (the registry's cache). */
export type CompileSchema = (id: string, openAPIV3Schema: JsonSchema) => Compiled;

export function judgeVersions(schema: ConfigSchema, compile: CompileSchema): SchemaVerdict {
  const { name, uid } = schema.metadata;
  const versions: VersionVerdict[] = [];
  const refusals: { reason: string; message: string }[] = [];
  for (const v of schema.spec.versions) {
    if (!v.served) {
      versions.push({ name: v.name, state: 'NotServed' });
      continue;
    }
    const openAPIV3Schema = v.schema.openAPIV3Schema as JsonSchema;
    const compiled = compile(`${name}@${v.name}`, openAPIV3Schema);
    if (!compiled.ok) {
      const message = `${v.name}: ${compiled.problems.map((p) => p.message).join('; ')}`;
      versions.push({ name: v.name, state: 'Invalid', message });
      refusals.push({ reason: INVALID_SCHEMA, message });
      continue;
    }
    const generate = (target: AdmissionTarget) => generateAdmissionPolicy({
      name,
      version: v.name,
      openAPIV3Schema,
      deprecated: v.deprecated,
      ...(v.deprecationWarning === undefined ? {} : { deprecationWarning: v.deprecationWarning }),
      owner: { uid },
      target,
    });
    // Same schema, same checks: the members' policy is refused exactly when the entries' is.
    const generated = [generate(KIND), generate(BUNDLE_KIND)];
    const refused = generated.flatMap((g) => (g.ok ? [] : [g.problems]))[0];
    if (refused !== undefined) {
      const message = `${v.name}: ${refused.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
      versions.push({ name: v.name, state: 'Invalid', message });
      refusals.push({ reason: POLICY_REFUSED, message });
      continue;
    }
    versions.push({
      name: v.name,
      state: 'Pending',
      admission: generated.flatMap((g) => (g.ok ? [{ policy: g.policy, binding: g.binding }] : [])),
      published: { name, version: v.name, deprecated: v.deprecated, deprecationWarning: v.deprecationWarning, openAPIV3Schema },
    });
  }
  const first = refusals.find((r) => r.reason === INVALID_SCHEMA) ?? refusals[0];
  return first === undefined ? { versions } : { versions, refusal: first };
}
