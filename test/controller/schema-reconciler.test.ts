/**
 * The ConfigSchema reconciler's state machine (src/controller/schema-reconciler.ts) with recording
 * fakes (schema-fakes.ts): every call to the apiserver, the policies and etcd in one ordered log.
 */
import { describe, expect, it } from 'vitest';
import { SCHEMA_FINALIZER } from '../../src/api/names.ts';
import { schemaKey, schemaKeyPrefix } from '../../src/domain/keys.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { PREFIX } from './fakes.ts';
import { TYPE_RECHECKS, TYPE_RECHECK_MS } from '../../src/controller/schema-reconciler.ts';
import { PAYMENTS_V1, REFUSED_BY_ENGINE, SCHEMA_NAME, SchemaScenario, configSchema } from './schema-fakes.ts';

const POLICY = 'cairn.dev.schema.payments.v1';
const MEMBERS_POLICY = 'cairn.dev.schema-members.payments.v1';
/** The applies of one served version: the entries' policy and binding, then the bundle members'. */
const APPLIES = (entries: string, members: string) => [
  `policies.apply ValidatingAdmissionPolicy ${entries}`,
  `policies.apply ValidatingAdmissionPolicyBinding ${entries}`,
  `policies.apply ValidatingAdmissionPolicy ${members}`,
  `policies.apply ValidatingAdmissionPolicyBinding ${members}`,
];
const V1_KEY = schemaKey(PREFIX, SCHEMA_NAME, 'v1');
const V2_KEY = schemaKey(PREFIX, SCHEMA_NAME, 'v2');
const SCAN = `etcd.scan ${schemaKeyPrefix(PREFIX, SCHEMA_NAME)}`;
/** The calls of a first reconcile to Ready: finalizer, policies then bindings, publish in one transaction, then status. */
const FIRST_READY = [
  `schema.setFinalizers [${SCHEMA_FINALIZER}]`,
  ...APPLIES(POLICY, MEMBERS_POLICY),
  'policies.deleteOtherVersions payments [v1]',
  SCAN,
  'etcd.commit: committed',
  'schema.patchStatus Ready True',
];

describe('a new schema', () => {
  it('becomes Ready: finalizer, each policy then its binding (entries, bundle members), publish in one transaction, registry Ready, then status', async () => {
    const s = new SchemaScenario();
    s.api.create(configSchema([{ name: 'v1' }]));
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(FIRST_READY);
    expect(JSON.parse(s.etcd.value(V1_KEY) ?? '{}')).toMatchObject({ id: 'payments@v1', openAPIV3Schema: PAYMENTS_V1 });
    expect(s.registry.lookup('payments@v1').kind).toBe('ready');
    expect(s.becameReady).toEqual([SCHEMA_NAME]);
    expect(s.api.status(SCHEMA_NAME)?.versions).toEqual([{ name: 'v1', state: 'Ready' }]);
  });

  it('a resync of a Ready schema writes nothing and compiles nothing again', async () => {
    const s = new SchemaScenario();
    await s.ready();
    const compilations = s.engine.compilations;
    await s.reconcile();
    expect(s.calls.summary()).toEqual([...APPLIES(POLICY, MEMBERS_POLICY), 'policies.deleteOtherVersions payments [v1]', SCAN]);
    expect(s.engine.compilations).toBe(compilations);
  });
});

describe('a schema refused', () => {
  it('by the engine: Stalled InvalidSchema naming the version and the rule, nothing bound or published', async () => {
    const s = new SchemaScenario();
    const rule = 'openAPIV3Schema.properties[a].x-kubernetes-validations[0].rule: Invalid value: "self.b": compilation failed: undefined field \'b\'';
    s.api.create(configSchema([{ name: 'v1', openAPIV3Schema: { ...PAYMENTS_V1, [REFUSED_BY_ENGINE]: rule } }], { finalizers: [SCHEMA_FINALIZER] }));
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(['schema.patchStatus Stalled InvalidSchema']);
    expect(s.condition('Stalled')?.message).toBe(`v1: ${rule}`);
    expect(s.condition('Ready')?.status).toBe('False');
    expect(s.registry.lookup('payments@v1')).toMatchObject({ kind: 'notReady' });
    expect(s.etcd.value(V1_KEY)).toBeUndefined();
  });

  it("by the apiserver's type check of its policy: Stalled AdmissionPolicyRefused with the warning, the binding not applied", async () => {
    const s = new SchemaScenario();
    s.policies.warnings.set(POLICY, "undefined field 'x'");
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    await s.reconcile();
    expect(s.calls.summary()).toEqual([`policies.apply ValidatingAdmissionPolicy ${POLICY}`, 'schema.patchStatus Stalled AdmissionPolicyRefused']);
    expect(s.condition('Stalled')?.message).toMatch(/^v1: the apiserver's type check of the admission policy cairn\.dev\.schema\.payments\.v1 warns: spec\.validations\[0\]\.expression \(the check "spec\.data.*"\): undefined field 'x'$/);
    expect(s.etcd.value(V1_KEY)).toBeUndefined();
  });

  it('by the apiserver on apply (422): Stalled AdmissionPolicyRefused with its message, nothing published', async () => {
    const s = new SchemaScenario();
    s.policies.failNextApply(new KubeApiError(422, 'ValidatingAdmissionPolicy.admissionregistration.k8s.io "cairn.dev.schema.payments.v1" is invalid: spec.validations[0].expression: Invalid value: compilation failed', 'Invalid'));
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([`policies.apply ValidatingAdmissionPolicy ${POLICY}: 422`, 'schema.patchStatus Stalled AdmissionPolicyRefused']);
    expect(s.condition('Stalled')?.message).toMatch(/^v1: the apiserver refused the admission policy cairn\.dev\.schema\.payments\.v1: .*spec\.validations\[0\]\.expression: Invalid value: compilation failed/);
    expect(s.registry.lookup('payments@v1')).toMatchObject({ kind: 'notReady' });
    expect(s.etcd.value(V1_KEY)).toBeUndefined();
  });
});

describe("the apiserver's type check of the policy, written later by kube-controller-manager (or never)", () => {
  it('not type-checked yet: Ready (accepted and bound), and looked at again; a warning found then makes it Stalled naming the expression', async () => {
    const s = new SchemaScenario();
    s.policies.typeChecked = false;
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    expect(await s.reconcile()).toEqual({ kind: 'requeueAfter', afterMs: TYPE_RECHECK_MS });
    expect(s.condition('Ready')?.status).toBe('True');
    s.policies.typeChecked = true;
    s.policies.warnings.set(POLICY, "undefined field 'x'");
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.condition('Stalled')).toMatchObject({ status: 'True', reason: 'AdmissionPolicyRefused' });
    expect(s.condition('Stalled')?.message).toContain("spec.validations[0].expression (the check \"spec.data");
    expect(s.registry.lookup('payments@v1')).toMatchObject({ kind: 'notReady' });
  });

  it('type-checked clean on a later look: stays Ready, and is not looked at again; the look reads the policy and applies nothing', async () => {
    const s = new SchemaScenario();
    s.policies.typeChecked = false;
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    await s.reconcile();
    s.policies.typeChecked = true;
    s.calls.clear();
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    // An apply makes the apiserver compile every expression again: seconds for a large policy, and a
    // shutdown waits for the reconcile in flight.
    expect(s.calls.summary().filter((c) => c.startsWith('policies.'))).toEqual([`policies.getPolicy ${POLICY}`, `policies.getPolicy ${MEMBERS_POLICY}`, `policies.deleteOtherVersions ${SCHEMA_NAME} [v1]`]);
    expect(s.calls.summary().filter((c) => c.startsWith('schema.patchStatus'))).toEqual([]);
    expect(s.condition('Ready')?.status).toBe('True');
  });

  it('a policy deleted before a later look is applied again by it, with its binding', async () => {
    const s = new SchemaScenario();
    s.policies.typeChecked = false;
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    await s.reconcile();
    s.policies.applied.delete(`ValidatingAdmissionPolicy/${POLICY}`);
    s.calls.clear();
    expect(await s.reconcile()).toEqual({ kind: 'requeueAfter', afterMs: TYPE_RECHECK_MS * 2 });
    expect(s.calls.summary()).toContain(`policies.apply ValidatingAdmissionPolicy ${POLICY}`);
    expect(s.calls.summary()).toContain(`policies.apply ValidatingAdmissionPolicyBinding ${POLICY}`);
  });

  it(`never type-checked (no status controller in the cluster): Ready, looked at ${TYPE_RECHECKS} times with a doubling delay, then left Ready`, async () => {
    const s = new SchemaScenario();
    s.policies.typeChecked = false;
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    const results = [];
    for (let i = 0; i <= TYPE_RECHECKS + 1; i++) results.push(await s.reconcile());
    expect(results).toEqual([
      ...Array.from({ length: TYPE_RECHECKS }, (_, i) => ({ kind: 'requeueAfter', afterMs: TYPE_RECHECK_MS * 2 ** i })),
      { kind: 'done' },
      { kind: 'done' },
    ]);
    expect(s.condition('Ready')?.status).toBe('True');
  });

  it('a new generation of the schema is looked at again: the count is per generation', async () => {
    const s = new SchemaScenario();
    s.policies.typeChecked = false;
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    for (let i = 0; i <= TYPE_RECHECKS; i++) await s.reconcile();
    s.api.updateSpec(SCHEMA_NAME, configSchema([{ name: 'v1' }, { name: 'v2' }]).spec);
    expect(await s.reconcile()).toEqual({ kind: 'requeueAfter', afterMs: TYPE_RECHECK_MS });
  });
});

describe('failures on the way to Ready', () => {
  it('the apiserver unavailable while applying the policy (503): retried, nothing published, no status written', async () => {
    const s = new SchemaScenario();
    s.policies.failNextApply(new KubeApiError(503, 'the server is currently unable to handle the request', 'ServiceUnavailable'));
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    expect(await s.reconcile()).toEqual({ kind: 'retry' });
    expect(s.calls.summary()).toEqual([`policies.apply ValidatingAdmissionPolicy ${POLICY}: 503`]);
    expect(s.registry.lookup('payments@v1')).toMatchObject({ kind: 'notReady' });
    s.calls.clear();
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary().at(-1)).toBe('schema.patchStatus Ready True');
  });

  it('publish with its outcome unknown (applied): the fence moved past it, retried, not Ready; the retry finds the keys as wanted, writes nothing and is Ready', async () => {
    const s = new SchemaScenario();
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    s.etcd.failNextCommit('outcomeUnknownAfterApply');
    expect(await s.reconcile()).toEqual({ kind: 'retry' });
    expect(s.calls.summary().slice(-4)).toEqual([SCAN, 'etcd.commit: outcome unknown, applied', 'fence.move: moved', 'schema.patchStatus Ready False']);
    expect(s.registry.lookup('payments@v1')).toMatchObject({ kind: 'notReady' });
    expect(s.condition('Ready')?.status).not.toBe('True');
    s.calls.clear();
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.of('etcd.commit')).toEqual([]);
    expect(s.calls.summary().at(-1)).toBe('schema.patchStatus Ready True');
    expect(s.registry.lookup('payments@v1').kind).toBe('ready');
  });

  it('fencing lost at publish: the manager is told, nothing published, no status written', async () => {
    const s = new SchemaScenario();
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    s.etcd.acquireFence(s.fence.key, 'cairn-1'); // a successor took over
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary().slice(-3)).toEqual([SCAN, 'etcd.commit: compare failed', 'onFencingLost']);
    expect(s.etcd.value(V1_KEY)).toBeUndefined();
    expect(s.calls.summary().filter((c) => c.startsWith('schema.patchStatus'))).toEqual([]);
    expect(s.registry.lookup('payments@v1')).toMatchObject({ kind: 'notReady' });
  });

  it('without the fence, nothing at all is done', async () => {
    const s = new SchemaScenario();
    s.api.create(configSchema([{ name: 'v1' }]));
    s.fencing.leading = false;
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([]);
  });
});

describe('deletion', () => {
  it('while entries and bundles use it: Stalled SchemaInUse naming them, still published, finalizer kept', async () => {
    const s = new SchemaScenario();
    await s.ready();
    s.useBy('v1', 'ConfigEntry shop/checkout', 'ConfigBundle billing/invoices');
    s.api.markDeleted(SCHEMA_NAME);
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual(['schema.patchStatus Stalled SchemaInUse']);
    expect(s.condition('Stalled')?.message).toBe('deletion waits: still used by ConfigBundle billing/invoices (@v1), ConfigEntry shop/checkout (@v1)');
    expect(s.etcd.value(V1_KEY)).toBeDefined();
    expect(s.api.get(SCHEMA_NAME)?.metadata.finalizers).toEqual([SCHEMA_FINALIZER]);
  });

  it('when the last entry goes: unpublished in one transaction, forgotten, then the finalizer removed (the object goes)', async () => {
    const s = new SchemaScenario();
    await s.ready();
    s.useBy('v1', 'ConfigEntry shop/checkout');
    s.api.markDeleted(SCHEMA_NAME);
    await s.reconcile();
    s.calls.clear();
    s.useBy('v1');
    s.users.clear();
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([SCAN, 'etcd.commit: committed', 'schema.setFinalizers []']);
    expect(s.etcd.value(V1_KEY)).toBeUndefined();
    expect(s.api.get(SCHEMA_NAME)).toBeUndefined();
    expect(s.registry.lookup('payments@v1')).toEqual({ kind: 'unknown' });
    expect(s.engine.releases).toBe(1);
  });
});

describe('a replica deposed during a reconcile (a rolling update, a Lease lost): the successor writes, it does not', () => {
  it('deposed while applying the policy: applies no binding, deletes no policy, publishes and reports nothing', async () => {
    const s = new SchemaScenario();
    s.api.create(configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] }));
    s.policies.afterApply = () => s.deposed();
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([`policies.apply ValidatingAdmissionPolicy ${POLICY}`]);
    expect(s.etcd.value(V1_KEY)).toBeUndefined();
    expect(s.api.status(SCHEMA_NAME)).toBeUndefined();
  });

  it('deposed while reading what a deleted schema published (nothing: it was never Ready): removes no finalizer', async () => {
    const s = new SchemaScenario();
    s.api.create(configSchema([{ name: 'v1', openAPIV3Schema: { ...PAYMENTS_V1, [REFUSED_BY_ENGINE]: 'openAPIV3Schema.type: Unsupported value' } }], { finalizers: [SCHEMA_FINALIZER] }));
    await s.reconcile();
    s.api.markDeleted(SCHEMA_NAME);
    s.calls.clear();
    s.etcd.afterScan = () => s.deposed();
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([SCAN]);
    expect(s.api.get(SCHEMA_NAME)?.metadata.finalizers).toEqual([SCHEMA_FINALIZER]);
  });
});

describe('a version removed', () => {
  it('while entries name it: its key stays published, Stalled SchemaInUse naming them; the other version serves', async () => {
    const s = new SchemaScenario();
    await s.ready(configSchema([{ name: 'v1' }, { name: 'v2' }], { finalizers: [SCHEMA_FINALIZER] }));
    s.useBy('v1', 'ConfigEntry shop/checkout');
    s.api.updateSpec(SCHEMA_NAME, configSchema([{ name: 'v2' }]).spec);
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([
      ...APPLIES('cairn.dev.schema.payments.v2', 'cairn.dev.schema-members.payments.v2'),
      'policies.deleteOtherVersions payments [v2]',
      SCAN,
      'schema.patchStatus Stalled SchemaInUse',
    ]);
    expect(s.condition('Stalled')?.message).toBe('version(s) v1 were removed but are still used by ConfigEntry shop/checkout (@v1)');
    expect(s.etcd.value(V1_KEY)).toBeDefined();
    expect(s.etcd.value(V2_KEY)).toBeDefined();
    expect(s.registry.lookup('payments@v2').kind).toBe('ready');
  });

  it('once no entry names it: unpublished, and the schema Ready', async () => {
    const s = new SchemaScenario();
    await s.ready(configSchema([{ name: 'v1' }, { name: 'v2' }], { finalizers: [SCHEMA_FINALIZER] }));
    s.api.updateSpec(SCHEMA_NAME, configSchema([{ name: 'v2' }]).spec);
    await s.reconcile();
    expect(s.calls.summary().slice(-3)).toEqual([SCAN, 'etcd.commit: committed', 'schema.patchStatus Ready True']);
    expect(s.etcd.value(V1_KEY)).toBeUndefined();
    expect(s.etcd.value(V2_KEY)).toBeDefined();
  });
});

describe('an embedded schema', () => {
  /** The embedded `payments` the scenario keeps: one version, the scenario's own schema. */
  function keepPayments(s: SchemaScenario): void {
    s.embedded.set(SCHEMA_NAME, {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'ConfigSchema',
      metadata: { name: SCHEMA_NAME, labels: { 'cairn.dev/embedded': 'true' } },
      spec: { description: 'embedded', versions: [{ name: 'v1', served: true, deprecated: false, schema: { openAPIV3Schema: PAYMENTS_V1 } }] },
    });
  }

  it('is created when absent, and reconciled to Ready like a declared one on the next pass (the watch queues it)', async () => {
    const s = new SchemaScenario();
    keepPayments(s);
    expect(await s.reconcile()).toEqual({ kind: 'done' });
    expect(s.calls.summary()).toEqual([`schema.createEmbedded ${SCHEMA_NAME}`]);
    s.calls.clear();
    await s.reconcile();
    expect(s.calls.summary()).toEqual(FIRST_READY);
  });

  it('is put back, and nothing else done, when someone else changed its spec', async () => {
    const s = new SchemaScenario();
    keepPayments(s);
    await s.reconcile();
    await s.reconcile();
    s.api.updateSpec(SCHEMA_NAME, { ...s.api.get(SCHEMA_NAME)!.spec, description: 'mine now' });
    s.calls.clear();
    await s.reconcile();
    expect(s.calls.summary()).toEqual([`schema.restoreEmbedded ${SCHEMA_NAME}`]);
    expect(s.api.get(SCHEMA_NAME)?.spec.description).toBe('embedded');
  });
});
