/**
 * `npx node bench/member-admission-cost.ts`: the runtime CEL cost the apiserver charges the generated
 * admission policies of each embedded schema, for an entry and for bundles of 1 and 63 members of
 * its example (and 63 members of another schema: the match condition alone). The apiserver computes
 * no cost estimate for a ValidatingAdmissionPolicy when it is written; it charges each evaluation
 * and refuses past its limits (k8s.io/apiserver/pkg/apis/cel/config.go): 1e6 per expression,
 * 1e7 per binding for validations and message expressions together, 2.5e6 for match conditions.
 * The figures come from tools/go/policycost, which compiles the policy with the
 * apiserver's own admission packages (v0.37.2) and charges as its validator does. Nothing asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, BUNDLE_KIND, KIND, MAX_BUNDLE_MEMBERS } from '../src/api/names.ts';
import { type AdmissionTarget, generateAdmissionPolicy } from '../src/schemas/admission/index.ts';
import { embeddedOpenAPIV3Schema } from '../src/schemas/embedded-config-schemas.ts';
import { registry } from '../src/schemas/index.ts';

const MODULE = join(import.meta.dirname, '..', 'tools', 'go', 'policycost');
const dir = mkdtempSync(join(tmpdir(), 'member-admission-cost-'));
const binary = join(dir, 'policycost');
execFileSync('go', ['build', '-o', binary, '.'], { cwd: MODULE, stdio: 'inherit' });

interface Cost {
  match: number;
  validations: number;
  messages: number;
  maxValidation: number;
  denied: number[] | null;
  errors: string[] | null;
}

function cost(policy: unknown, object: unknown): Cost {
  const policyFile = join(dir, 'policy.json');
  const objectFile = join(dir, 'object.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  writeFileSync(objectFile, JSON.stringify(object));
  return JSON.parse(execFileSync(binary, [policyFile, objectFile], { encoding: 'utf8' })) as Cost;
}

function bundle(members: { key: string; schema: string; data: unknown }[]): unknown {
  return { apiVersion: API_VERSION, kind: BUNDLE_KIND, metadata: { name: 'b', namespace: 'ns' }, spec: { members } };
}

const show = (c: Cost): string =>
  `match ${c.match}, validations ${c.validations} (largest ${c.maxValidation}), messages ${c.messages}, total ${c.validations + c.messages}${c.denied?.length ? `, DENIED ${c.denied.join(',')}` : ''}${c.errors?.length ? `, ERRORS ${c.errors.join('; ')}` : ''}`;

for (const definition of registry.values()) {
  const [name, version] = definition.id.split('@') as [string, string];
  const policyOf = (target: AdmissionTarget) => {
    const generated = generateAdmissionPolicy({ name, version, openAPIV3Schema: embeddedOpenAPIV3Schema(definition), owner: { uid: 'u' }, target });
    if (!generated.ok) throw new Error(`${definition.id}: ${JSON.stringify(generated.problems)}`);
    // Deprecated versions' first validation is the warning (always false): left out, it only adds its constant.
    const spec = generated.policy.spec as { validations: { expression: string }[] };
    return { ...generated.policy, spec: { ...spec, validations: spec.validations.filter((v) => v.expression !== 'false') } };
  };
  const example = definition.example;
  const members = (n: number, schema: string) => Array.from({ length: n }, (_, i) => ({ key: `m${i}`, schema, data: example }));
  console.log(definition.id);
  console.log(`  entry:                       ${show(cost(policyOf(KIND), { apiVersion: API_VERSION, kind: KIND, metadata: { name: 'e', namespace: 'ns' }, spec: { schema: definition.id, data: example } }))}`);
  const memberPolicy = policyOf(BUNDLE_KIND);
  console.log(`  bundle, 1 member:            ${show(cost(memberPolicy, bundle(members(1, definition.id))))}`);
  console.log(`  bundle, ${MAX_BUNDLE_MEMBERS} members:          ${show(cost(memberPolicy, bundle(members(MAX_BUNDLE_MEMBERS, definition.id))))}`);
  console.log(`  bundle, ${MAX_BUNDLE_MEMBERS} of another schema: match ${cost(memberPolicy, bundle(members(MAX_BUNDLE_MEMBERS, 'other@v1'))).match}`);
}
