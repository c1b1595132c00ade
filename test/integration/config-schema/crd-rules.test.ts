/**
 * The ConfigSchema CRD's own rules, on the real apiserver (the global setup installs crds/ as a user
 * does): `kubectl apply` refuses an empty version list, a duplicate version name and a change to a
 * served version's schema, and accepts a new version or a change to an unserved one.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { controlPlane, uniqueName } from '../../support/cluster.ts';

const name = uniqueName('crd-rules');

function apply(versions: unknown[]): { ok: boolean; stderr: string } {
  const { kubectl, kubeconfig } = controlPlane();
  const object = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigSchema', metadata: { name }, spec: { versions } };
  const result = spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input: stringify(object), encoding: 'utf8' });
  return { ok: result.status === 0, stderr: result.stderr };
}

const version = (versionName: string, type: string, extra: Record<string, unknown> = {}) => ({
  name: versionName,
  ...extra,
  schema: { openAPIV3Schema: { type: 'object', properties: { port: { type } } } },
});

afterAll(() => {
  const { kubectl, kubeconfig } = controlPlane();
  spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'delete', 'configschema', name, '--wait=false']);
});

describe('the ConfigSchema CRD on the real apiserver', () => {
  it('refuses a schema without versions', () => {
    const result = apply([]);
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('spec.versions in body should have at least 1 items');
  });

  it('refuses a version name that is not vN', () => {
    const result = apply([version('one', 'integer')]);
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('spec.versions[0].name');
  });

  it('accepts one version, then refuses a change of its schema while served, and a duplicate name', () => {
    expect(apply([version('v1', 'integer')])).toMatchObject({ ok: true });
    const changed = apply([version('v1', 'string')]);
    expect(changed.ok).toBe(false);
    expect(changed.stderr).toContain('the schema of a served version is immutable');
    const duplicate = apply([version('v1', 'integer'), version('v1', 'string')]);
    expect(duplicate.ok).toBe(false);
    expect(duplicate.stderr).toContain('Duplicate value');
  });

  it('accepts a new version, and a change of a version that was not served', () => {
    expect(apply([version('v1', 'integer'), version('v2', 'string', { served: false })])).toMatchObject({ ok: true });
    expect(apply([version('v1', 'integer'), version('v2', 'boolean', { served: false })])).toMatchObject({ ok: true });
  });
});
