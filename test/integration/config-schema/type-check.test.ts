/**
 * The apiserver's type check of the generated admission policies, on a control plane of this file's
 * own running kube-controller-manager's ValidatingAdmissionPolicy status controller
 * (tools/controlplane/policy-status.ts, the controller built from k8s.io/kubernetes v1.37.2 and wired
 * as kube-controller-manager wires it: the ConfigEntry CRD's schema resolved from the apiserver's
 * OpenAPI). Own control plane: the controller type-checks every policy it sees, and the embedded
 * ConfigSchemas' policies are cluster-wide.
 *
 * What it proves: the generator emits CEL the type checker accepts against the ConfigEntry CRD's
 * schema (and, for the bundle members' policies, the ConfigBundle CRD's), for every schema of the
 * parity corpus and every embedded version (a control policy with
 * two ill-typed expressions gets two warnings, so the checker did resolve the schema: with
 * `apiVersions: ['*']`, as the generator used to write, it resolves nothing and checks nothing);
 * the schema reconciler
 * reads the type check the status controller wrote (from its apply's answer) and keeps a clean schema
 * Ready; a warning on the applied generation makes the ConfigSchema Stalled naming the expression.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigSchema } from '../../../src/api/config-schema.ts';
import { BUNDLE_KIND, KIND } from '../../../src/api/names.ts';
import { generateAdmissionPolicy } from '../../../src/schemas/admission/index.ts';
import { embeddedConfigSchemas } from '../../../src/schemas/embedded-config-schemas.ts';
import { type ControlPlane, startControlPlane } from '../../../tools/controlplane/control-plane.ts';
import { installCrds } from '../../../tools/controlplane/install-crds.ts';
import { type OperatorProcess, startOperatorProcess } from '../../../tools/controlplane/operator-process.ts';
import { startPolicyStatusController } from '../../../tools/controlplane/policy-status.ts';
import type { ManagedProcess } from '../../../tools/controlplane/processes.ts';
import { parityCorpus } from '../../parity/corpus-all.ts';
import { uniqueName } from '../../support/cluster.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { eventually } from '../../support/fixture.ts';
import { PAYMENTS, configSchema } from './support.ts';

let cp: ControlPlane;
let statusController: ManagedProcess | undefined;
let operator: OperatorProcess | undefined;

function kubectl(args: readonly string[], input?: unknown): { ok: boolean; stdout: string; stderr: string } {
  const run = spawnSync(cp.info.kubectl, ['--kubeconfig', cp.info.kubeconfig, ...args], { input: input === undefined ? undefined : JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ok: run.status === 0, stdout: run.stdout, stderr: run.stderr };
}

interface Policy {
  metadata: { name: string; generation: number; labels?: Record<string, string> };
  status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: { fieldRef: string; warning: string }[] } };
}

/** The policies whose names start with `prefix`, by name. */
function policies(prefix: string): Map<string, Policy> {
  const listed = JSON.parse(kubectl(['get', 'validatingadmissionpolicies', '-o', 'json']).stdout) as { items: Policy[] };
  return new Map(listed.items.filter((p) => p.metadata.name.startsWith(prefix)).map((p) => [p.metadata.name, p]));
}

/** Every policy under `prefix` (at least `count`) once the status controller has type-checked its current generation: warnings by name. */
async function typeChecked(prefix: string, count: number, timeoutMs = 120_000): Promise<Map<string, string[]>> {
  return eventually(`${count} policies ${prefix}* type-checked`, async () => {
    const found = policies(prefix);
    if (found.size < count || [...found.values()].some((p) => (p.status?.observedGeneration ?? 0) < p.metadata.generation)) return undefined;
    return new Map([...found].map(([name, p]) => [name, (p.status?.typeChecking?.expressionWarnings ?? []).map((w) => `${w.fieldRef}: ${w.warning}`)]));
  }, timeoutMs);
}

function schemaCondition(name: string, type: string): { status: string; reason: string; message: string } | undefined {
  const got = kubectl(['get', 'configschema', name, '-o', 'json']);
  return got.ok ? (JSON.parse(got.stdout) as ConfigSchema).status?.conditions?.find((c) => c.type === type) : undefined;
}

beforeAll(async () => {
  cp = await startControlPlane({ members: 1 });
  await installCrds(cp.info);
  statusController = await startPolicyStatusController(cp.info);
}, 180_000);

afterAll(async () => {
  await operator?.stop();
  await statusController?.stop();
  await cp?.stop();
});

describe("the apiserver's type check of generated admission policies (kube-controller-manager's status controller running)", () => {
  it('every policy generated from the parity corpus and the embedded schemas is type-checked against the ConfigEntry CRD (the members\' policies against the ConfigBundle CRD) with no warning', async () => {
    const applied: string[] = [];
    const notGenerated = new Set<string>();
    const refusedAtCreate: string[] = [];
    for (const [i, { name, schema }] of parityCorpus().entries()) {
      // The entries' policy and the bundle members' (checked against the ConfigBundle CRD).
      for (const target of [KIND, BUNDLE_KIND] as const) {
        const generated = generateAdmissionPolicy({ name: `typed-${i}`, version: 'v1', openAPIV3Schema: schema, owner: { uid: `uid-${i}` }, target });
        if (!generated.ok) {
          notGenerated.add(name); // refused by the generator: no policy to check
          continue;
        }
        const result = kubectl(['apply', '--server-side', '--field-manager=test', '-f', '-'], generated.policy);
        if (!result.ok) refusedAtCreate.push(`${name} -> ${generated.policy.metadata.name}: ${result.stderr.trim()}`);
        else applied.push(`${name} -> ${generated.policy.metadata.name}`);
      }
    }
    // Only the corpus schemas written to be refused, and the dialect admission refuses by design
    // (formats it cannot translate exactly, preserve-unknown-fields), have no policy; the apiserver
    // compiles every other generated policy (one it refused would never be served: a generator bug).
    expect([...notGenerated].filter((n) => !/^(refused-|formats-refused$|preserve-unknown$)/.test(n))).toEqual([]);
    expect(refusedAtCreate.filter((r) => !r.startsWith('refused-'))).toEqual([]);
    const members = applied.filter((a) => a.includes('cairn.dev.schema-members.')).length;
    expect(members).toBe(applied.length / 2);
    expect(applied.length).toBeGreaterThan(10);
    // The control: the same kind of policy with expressions the type checker must object to, so a
    // checker that resolved no schema (and so checked nothing) cannot pass this test.
    const control = generateAdmissionPolicy({ name: 'typed-control', version: 'v1', openAPIV3Schema: { type: 'object' }, owner: { uid: 'uid-control' } });
    if (!control.ok) throw new Error('the control policy was not generated');
    const spec = control.policy.spec as { validations: { expression: string; message?: string }[] };
    spec.validations = [
      { expression: 'object.spec.schema == 1', message: 'spec.schema compared with an int' },
      { expression: 'object.spec.data.port == 1', message: 'spec.data.port read from the typed data' },
    ];
    expect(kubectl(['apply', '--server-side', '--field-manager=test', '-f', '-'], control.policy).stderr).toBe('');
    const warnings = new Map([...(await typeChecked('cairn.dev.schema.typed-', applied.length - members + 1)), ...(await typeChecked('cairn.dev.schema-members.typed-', members))]);
    const controlWarnings = warnings.get(control.policy.metadata.name) ?? [];
    warnings.delete(control.policy.metadata.name);
    expect(controlWarnings).toHaveLength(2);
    expect(controlWarnings[0]).toMatch(/^spec\.validations\[0\]\.expression: .*no matching overload for '_==_' applied to '\(string, int\)'/s);
    expect(controlWarnings[1]).toMatch(/^spec\.validations\[1\]\.expression: .*undefined field 'port'/s);
    expect(Object.fromEntries([...warnings].filter(([, w]) => w.length > 0))).toEqual({});
  }, 180_000);

  it("the embedded ConfigSchemas are Ready while their policies' type check (present) is clean", async () => {
    operator = await startOperatorProcess({
      kubeconfig: cp.info.kubeconfig,
      storeEndpoints: cp.info.storeEndpoints,
      dir: mkdtempSync(join(tmpdir(), 'cairn-op-')),
      args: ['--prefix=/typecheck', `--identity=${uniqueName('typecheck')}`, '--no-leader-elect', '--log-level=debug', `--schema-engine-file=${validatorWasmPath()}`],
    });
    const names = [...embeddedConfigSchemas().keys()];
    const versions = [...embeddedConfigSchemas().values()].reduce((n, cs) => n + cs.spec.versions.length, 0);
    await eventually('every embedded ConfigSchema Ready with its policies (entries\' and bundle members\') type-checked clean', async () => {
      const checked = new Map([...(await typeChecked('cairn.dev.schema.', versions, 300_000)), ...(await typeChecked('cairn.dev.schema-members.', versions, 300_000))]);
      const embedded = [...checked].filter(([name]) => names.some((n) => name.startsWith(`cairn.dev.schema.${n}.`) || name.startsWith(`cairn.dev.schema-members.${n}.`)));
      if (embedded.length < 2 * versions || embedded.some(([, w]) => w.length > 0)) return undefined;
      return names.every((n) => schemaCondition(n, 'Ready')?.status === 'True') ? true : undefined;
    }, 360_000);
    // Generous: two policies per version (entries' and bundle members'), each compiled by the apiserver on apply.
  }, 420_000);

  it('a type warning on the applied generation (planted in the policy status: no generated policy warns) makes the ConfigSchema Stalled, naming the expression and its check', async () => {
    expect(kubectl(['apply', '-f', '-'], configSchema('payments', [{ name: 'v1', openAPIV3Schema: PAYMENTS }])).ok).toBe(true);
    const policy = 'cairn.dev.schema.payments.v1';
    await eventually('payments Ready and its policy type-checked', async () => {
      const checked = policies(policy).get(policy);
      return schemaCondition('payments', 'Ready')?.status === 'True' && (checked?.status?.observedGeneration ?? 0) >= (checked?.metadata.generation ?? 1) ? true : undefined;
    }, 60_000);
    const generation = policies(policy).get(policy)!.metadata.generation;
    const status = { status: { observedGeneration: generation, typeChecking: { expressionWarnings: [{ fieldRef: 'spec.validations[0].expression', warning: "planted: undefined field 'x'" }] } } };
    const patched = kubectl(['patch', 'validatingadmissionpolicy', policy, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
    expect(patched.stderr).toBe('');
    // Any full reconcile reads it from its apply's answer; a label change queues one.
    expect(kubectl(['label', 'configschema', 'payments', 'test.cairn.dev/poke=1']).ok).toBe(true);
    const stalled = await eventually('payments Stalled', async () => (schemaCondition('payments', 'Stalled')?.status === 'True' ? schemaCondition('payments', 'Stalled') : undefined), 60_000);
    expect(stalled.reason).toBe('AdmissionPolicyRefused');
    expect(stalled.message).toMatch(/^v1: the apiserver's type check of the admission policy cairn\.dev\.schema\.payments\.v1 warns: spec\.validations\[0\]\.expression \(the check "spec\.data\.[^"]*"\): planted: undefined field 'x'/);
  }, 120_000);
});
