/**
 * A ConfigSchema from apply to deletion, with the operator running the schema controller (the
 * engine given by --schema-engine-file) on the real apiserver and etcd: Ready with its admission
 * policy bound (so `kubectl apply` of an invalid entry fails with the field's message) and each
 * served version published at P/schemas/<name>/<version>; a bad rule Stalled naming the rule; the
 * deletion of a used schema waiting, naming the entry, and completing when the entry goes.
 */
import { afterAll, describe, expect, it } from 'vitest';
// The chaos checker's canonical JSON, written apart from src/: an oracle independent of the operator.
import { canonical } from '../../../tools/chaos/expected.ts';
import { oracleJudge } from '../../parity/oracle-judge.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { Bundles } from '../../support/entries.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { eventually, withOperator } from '../../support/fixture.ts';
import { apply, conditionOfSchema, configSchema, getSchema, kubectl, PAYMENTS } from './support.ts';

const created: string[] = [];
afterAll(() => {
  for (const name of created) kubectl(['delete', 'configschema', name, '--wait=false']);
});

function applySchema(name: string, openAPIV3Schema: unknown): void {
  created.push(name);
  const result = apply(configSchema(name, [{ name: 'v1', openAPIV3Schema }]));
  expect(result.stderr).toBe('');
}

async function waitCondition(name: string, type: string, status: string): Promise<NonNullable<ReturnType<typeof conditionOfSchema>>> {
  return eventually(`ConfigSchema ${name} ${type}=${status}`, async () => {
    const condition = conditionOfSchema(getSchema(name), type);
    return condition?.status === status ? condition : undefined;
  }, 30_000);
}

describe('a ConfigSchema from apply to deletion', () => {
  const f = withOperator('cs-life', [`--schema-engine-file=${validatorWasmPath()}`]);
  const name = uniqueName('payments');

  it('becomes Ready and publishes its served version, as canonical JSON, at P/schemas/<name>/<version>', async () => {
    applySchema(name, PAYMENTS);
    const ready = await waitCondition(name, 'Ready', 'True');
    expect(ready.reason).toBe('SchemaReady');
    const schema = getSchema(name);
    expect(schema?.status?.versions).toEqual([{ name: 'v1', state: 'Ready' }]);
    expect(schema?.metadata.finalizers).toContain('cairn.dev/schema-protection');
    const stored = await eventually('the published schema', () => f.store.get(`${f.prefix}/schemas/${name}/v1`));
    expect(stored.value).toBe(canonical({ id: `${name}@v1`, name, version: 'v1', deprecated: false, openAPIV3Schema: PAYMENTS }));
  });

  it('binds an admission policy owned by the ConfigSchema: an invalid entry fails at apply with the field\'s message', async () => {
    const policy = kubectl(['get', 'validatingadmissionpolicy', `cairn.dev.schema.${name}.v1`, '-o', 'json']);
    expect(policy.ok).toBe(true);
    expect((JSON.parse(policy.stdout) as { metadata: { ownerReferences: { kind: string; name: string }[] } }).metadata.ownerReferences[0]).toMatchObject({ kind: 'ConfigSchema', name });
    const entry = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: 'bad', namespace: f.namespace }, spec: { schema: `${name}@v1`, data: { currency: 'GBP' } } };
    // The binding takes effect when the apiserver's policy cache catches up. Probe with a server-side
    // dry run: it always reaches admission and creates nothing (a real apply admitted too early would
    // leave an object behind, and re-applying it unchanged sends no request at all).
    await eventually('the policy in force', async () => (kubectl(['create', '--dry-run=server', '-f', '-'], entry).ok ? undefined : true));
    const refused = apply(entry);
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain('spec.data.currency');
    expect(refused.stderr).toContain('Unsupported value: must be one of "EUR", "USD"');
  });

  it('is Stalled InvalidSchema naming the rule when a rule does not compile, and writes nothing to etcd', async () => {
    const bad = uniqueName('bad-rule');
    applySchema(bad, { type: 'object', properties: { n: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.n > ', message: 'broken' }] });
    const stalled = await waitCondition(bad, 'Stalled', 'True');
    expect(stalled.reason).toBe('InvalidSchema');
    expect(stalled.message).toContain('x-kubernetes-validations[0].rule');
    expect(conditionOfSchema(getSchema(bad), 'Ready')?.status).toBe('False');
    expect(await f.store.get(`${f.prefix}/schemas/${bad}/v1`)).toBeUndefined();
  });

  it('stalls an entry naming a schema not declared yet (UnknownSchema), which commits by itself, defaulted as the apiserver defaults, once the schema is Ready', async () => {
    const later = uniqueName('later');
    await f.entries.create('early', { schema: `${later}@v1`, key: 'early', data: { currency: 'USD' } });
    const stalled = await f.entries.waitFor('early', 'Stalled UnknownSchema', (e) => e.status?.conditions?.some((c) => c.type === 'Stalled' && c.reason === 'UnknownSchema') === true);
    expect(stalled.status?.conditions?.find((c) => c.type === 'Stalled')?.message).toContain(`${later}@v1`);
    expect(await f.store.get(`${f.prefix}/data/${f.namespace}/early`)).toBeUndefined();
    applySchema(later, PAYMENTS);
    await f.entries.waitReady('early', 30_000);
    const stored = await f.store.get(`${f.prefix}/data/${f.namespace}/early`);
    // The oracle: the apiserver's own defaulting of the same data, a server-side dry-run of a CRD with this schema.
    const oracle = oracleJudge(controlPlane().kubeconfig);
    try {
      const corpus = { name: later, description: 'the payments schema', schema: PAYMENTS as Record<string, unknown> };
      expect(await oracle.prepare(corpus)).toEqual({ ok: true });
      const verdict = await oracle.judge(corpus, { currency: 'USD' });
      if (!verdict.ok) throw new Error(`the apiserver refused the data: ${verdict.messages.join('; ')}`);
      expect(stored?.value).toBe(canonical(verdict.value));
      expect(verdict.value).toHaveProperty('retries'); // a default was applied: the comparison means something
    } finally {
      await oracle.close();
    }
    await f.entries.delete('early');
  });

  it('lets an entry whose data the schema refuses, created before the schema existed, be labelled and deleted: the policy judges specs that change, and still refuses a changed spec', async () => {
    const late = uniqueName('late');
    const orphan = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: 'orphan', namespace: f.namespace }, spec: { schema: `${late}@v1`, data: { currency: 'GBP' } } };
    expect(apply(orphan).stderr).toBe('');
    await f.entries.waitStalled('orphan', 'UnknownSchema');
    applySchema(late, PAYMENTS);
    await waitCondition(late, 'Ready', 'True');
    const probe = { ...orphan, metadata: { name: 'probe', namespace: f.namespace } };
    await eventually('the policy in force', async () => (kubectl(['create', '--dry-run=server', '-f', '-'], probe).ok ? undefined : true));
    await f.entries.waitStalled('orphan', 'InvalidData');
    // A change of the spec is judged (still invalid: refused at apply)...
    const changed = kubectl(['patch', '-n', f.namespace, 'configentry', 'orphan', '--type=merge', '-p', JSON.stringify({ spec: { data: { currency: 'JPY' } } })]);
    expect(changed.ok).toBe(false);
    expect(changed.stderr).toContain('spec.data.currency');
    // ...an update that leaves the spec as it was is not (a label, the operator removing its finalizer).
    const labelled = kubectl(['label', '-n', f.namespace, 'configentry', 'orphan', 'team=payments']);
    expect(labelled.stderr).toBe('');
    expect(kubectl(['delete', '-n', f.namespace, 'configentry', 'orphan', '--wait=false']).ok).toBe(true);
    await f.entries.waitGone('orphan', 30_000);
  });

  it('counts a bundle whose member names it as a user: a bundle waiting for it commits once it is Ready, and its deletion waits, naming the bundle, until the bundle goes', async () => {
    const shared = uniqueName('shared');
    const bundles = new Bundles(f.namespace);
    await bundles.create('kit', { members: [{ key: 'kit/pay', schema: `${shared}@v1`, data: { currency: 'EUR' } }, { key: 'kit/refunds', schema: `${shared}@v1`, data: { currency: 'USD' } }] });
    await bundles.waitStalled('kit', 'UnknownSchema');
    applySchema(shared, PAYMENTS);
    // Queued when the schema becomes Ready (the operator's resync is minutes away).
    await bundles.waitReady('kit', 15_000);
    // Two members of one version: one user.
    await eventually('the bundle counted', async () => (getSchema(shared)?.status?.entries === 1 ? true : undefined));
    expect(kubectl(['delete', 'configschema', shared, '--wait=false']).ok).toBe(true);
    const waiting = await waitCondition(shared, 'Stalled', 'True');
    expect(waiting.reason).toBe('SchemaInUse');
    expect(waiting.message).toContain(`ConfigBundle ${f.namespace}/kit (@v1)`);
    await bundles.delete('kit');
    await eventually('the schema gone', async () => (getSchema(shared) === undefined ? true : undefined), 30_000);
  });

  it('waits to be deleted while an entry names it, naming the entry, and goes when the entry goes', async () => {
    const entry = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: 'user', namespace: f.namespace }, spec: { schema: `${name}@v1`, data: { currency: 'EUR' } } };
    expect(apply(entry).stderr).toBe('');
    await eventually('the entry counted', async () => (getSchema(name)?.status?.entries === 1 ? true : undefined));
    expect(kubectl(['delete', 'configschema', name, '--wait=false']).ok).toBe(true);
    const waiting = await waitCondition(name, 'Stalled', 'True');
    expect(waiting.reason).toBe('SchemaInUse');
    expect(waiting.message).toContain(`ConfigEntry ${f.namespace}/user`);
    expect(getSchema(name)).toBeDefined();
    expect(kubectl(['delete', '-n', f.namespace, 'configentry', 'user']).ok).toBe(true);
    await eventually('the schema gone', async () => (getSchema(name) === undefined ? true : undefined), 30_000);
    expect(await f.store.get(`${f.prefix}/schemas/${name}/v1`)).toBeUndefined();
  });
});
