/**
 * Admission of ConfigBundle members, on the real apiserver, through the policies the operator
 * generates from a declared ConfigSchema (one for entries and one for bundle members per served
 * version): `kubectl apply` of a bundle with an invalid member fails with the field's message naming
 * the member; a valid bundle is admitted (and committed); members of other schemas are not judged; a
 * deprecated version warns; an entry of the same schema is judged as before. Embedded schemas:
 * test/integration/schemas/embedded.test.ts (their policies are cluster-wide, so on a control plane
 * of their own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleMember } from '../../../src/api/config-bundle.ts';
import { uniqueName } from '../../support/cluster.ts';
import { validatorWasmPath } from '../../support/engine.ts';
import { Bundles } from '../../support/entries.ts';
import { eventually, withOperator } from '../../support/fixture.ts';
import { apply, conditionOfSchema, configSchema, getSchema, kubectl, PAYMENTS } from '../config-schema/support.ts';

const f = withOperator('cb-admission', [`--schema-engine-file=${validatorWasmPath()}`]);
const schemaName = uniqueName('payments');
const bundles = new Bundles(f.namespace);

function bundle(name: string, members: readonly BundleMember[]): unknown {
  return { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigBundle', metadata: { name, namespace: f.namespace }, spec: { members } };
}

/** `kubectl apply` of `object` once `inForce` (a server-side dry run, which creates nothing) says the policy judges it. */
async function applyOnceInForce(object: unknown, inForce: (dryRun: ReturnType<typeof kubectl>) => boolean): Promise<ReturnType<typeof kubectl>> {
  await eventually('the policy in force', async () => (inForce(kubectl(['create', '--dry-run=server', '-f', '-'], object)) ? true : undefined), 30_000);
  return apply(object);
}

beforeAll(async () => {
  const applied = apply(configSchema(schemaName, [{ name: 'v0', deprecated: true, openAPIV3Schema: PAYMENTS }, { name: 'v1', openAPIV3Schema: PAYMENTS }]));
  expect(applied.stderr).toBe('');
  await eventually(`ConfigSchema ${schemaName} Ready`, async () => (conditionOfSchema(getSchema(schemaName), 'Ready')?.status === 'True' ? true : undefined), 60_000);
});
afterAll(() => {
  kubectl(['delete', 'configschema', schemaName, '--wait=false']);
});

describe('kubectl apply of a ConfigBundle whose members name a declared schema', () => {
  const v1 = (): string => `${schemaName}@v1`;

  it('fails with the field\'s message naming the invalid member by key and index, and creates nothing', async () => {
    const refused = await applyOnceInForce(
      bundle('bad', [{ key: 'shop/good', schema: v1(), data: { currency: 'EUR' } }, { key: 'shop/bad', schema: v1(), data: { currency: 'GBP' } }]),
      (dryRun) => !dryRun.ok,
    );
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain('member shop/bad (spec.members[1]): spec.members[1].data.currency: must be of type string; Unsupported value: must be one of "EUR", "USD"');
    expect(kubectl(['get', 'configbundle', 'bad', '-n', f.namespace]).ok).toBe(false);
    const wrongType = apply(bundle('bad-type', [{ key: 'shop/retries', schema: v1(), data: { currency: 'USD', retries: 'three' } }]));
    expect(wrongType.ok).toBe(false);
    expect(wrongType.stderr).toContain('member shop/retries (spec.members[0]): spec.members[0].data.retries: must be of type integer');
  });

  it('admits a valid bundle, which the operator commits with the schema\'s defaults', async () => {
    expect(apply(bundle('good', [{ key: 'shop/eur', schema: v1(), data: { currency: 'EUR' } }, { key: 'shop/usd', schema: v1(), data: { currency: 'USD', retries: 5 } }])).stderr).toBe('');
    await bundles.waitReady('good', 30_000);
    expect(JSON.parse((await f.store.get(`${f.prefix}/data/${f.namespace}/shop/eur`))?.value ?? '{}')).toEqual({ currency: 'EUR', retries: 3 });
    await bundles.delete('good');
    await bundles.waitGone('good');
  });

  it('does not judge members naming another schema', async () => {
    // The control: the same member naming this schema is refused, so the policy is in force.
    const judged = await applyOnceInForce(bundle('judged', [{ key: 'shop/other', schema: v1(), data: { currency: 'GBP' } }]), (dryRun) => !dryRun.ok);
    expect(judged.ok).toBe(false);
    const other = kubectl(['create', '--dry-run=server', '-f', '-'], bundle('other', [{ key: 'shop/other', schema: `${schemaName}-other@v1`, data: { currency: 'GBP' } }]));
    expect(other).toMatchObject({ ok: true, stderr: '' });
  });

  it('warns for a member of a deprecated version, with the deprecation and the member\'s problem, and admits it', async () => {
    const old = bundle('old', [{ key: 'shop/old', schema: `${schemaName}@v0`, data: { currency: 'GBP' } }]);
    const warned = await eventually('the deprecation warning', async () => {
      const attempt = kubectl(['create', '--dry-run=server', '-f', '-'], old);
      return attempt.stderr.includes('deprecated') ? attempt : undefined;
    }, 30_000);
    expect(warned.ok).toBe(true);
    expect(warned.stderr).toContain(`${schemaName}@v0 is deprecated`);
    expect(warned.stderr).toContain('member shop/old (spec.members[0]): spec.members[0].data.currency: must be of type string; Unsupported value');
  });

  it('judges an entry of the same schema as before, with the entry\'s message', async () => {
    const entry = (name: string, currency: string) => ({ apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name, namespace: f.namespace }, spec: { schema: v1(), data: { currency } } });
    const refused = await applyOnceInForce(entry('bad-entry', 'GBP'), (dryRun) => !dryRun.ok);
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain('spec.data.currency: must be of type string; Unsupported value: must be one of "EUR", "USD"');
    expect(refused.stderr).not.toContain('member');
    expect(kubectl(['create', '--dry-run=server', '-f', '-'], entry('good-entry', 'USD'))).toMatchObject({ ok: true, stderr: '' });
  });
});
