/**
 * The ConfigBundle CRD's own rules, on the real apiserver (the global setup installs crds/ as a user
 * does): `kubectl apply` refuses a bundle over the member limit, a key named twice and a bad key, and
 * accepts a valid bundle, which `kubectl get cb` lists with its columns.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MAX_BUNDLE_MEMBERS } from '../../../src/api/names.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';

const namespace = uniqueName('cb-rules');

function kubectl(args: string[], input?: string): { ok: boolean; stdout: string; stderr: string } {
  const { kubectl: bin, kubeconfig } = controlPlane();
  const result = spawnSync(bin, ['--kubeconfig', kubeconfig, ...args], { input, encoding: 'utf8' });
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
}

const member = (key: string) => ({ key, schema: 'database@v1', data: { host: 'db', database: 'd', user: 'u' } });

function apply(name: string, members: unknown[]): { ok: boolean; stderr: string } {
  const object = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigBundle', metadata: { name, namespace }, spec: { members } };
  return kubectl(['apply', '-f', '-'], stringify(object));
}

beforeAll(() => {
  expect(kubectl(['create', 'namespace', namespace]).ok).toBe(true);
});
afterAll(() => {
  kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

describe('the ConfigBundle CRD on the real apiserver', () => {
  it(`refuses more than ${MAX_BUNDLE_MEMBERS} members`, () => {
    const result = apply('too-many', Array.from({ length: MAX_BUNDLE_MEMBERS + 1 }, (_, i) => member(`k/${i}`)));
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain(`spec.members: Too many: ${MAX_BUNDLE_MEMBERS + 1}: must have at most ${MAX_BUNDLE_MEMBERS} items`);
  });

  it('refuses a key named twice', () => {
    const result = apply('twice', [member('a'), member('b'), member('a')]);
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('spec.members[2]: Duplicate value: {"key":"a"}');
  });

  it("refuses a member key that leaves the namespace, with the entry's message", () => {
    const result = apply('bad-key', [member('a/../b')]);
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('spec.members[0].key: Invalid value: "a/../b": key must be segments of letters');
  });

  it('refuses a bundle without members', () => {
    expect(apply('empty', []).ok).toBe(false);
  });

  it(`accepts ${MAX_BUNDLE_MEMBERS} members and lists the bundle with MEMBERS, READY, REASON, REVISION, AGE`, () => {
    expect(apply('full', Array.from({ length: MAX_BUNDLE_MEMBERS }, (_, i) => member(`k/${i}`)))).toMatchObject({ ok: true });
    const listed = kubectl(['get', 'cb', '-n', namespace]);
    expect(listed.ok).toBe(true);
    expect(listed.stdout.split('\n')[0]?.split(/\s+/).filter(Boolean)).toEqual(['NAME', 'MEMBERS', 'READY', 'REASON', 'REVISION', 'AGE']);
  });
});
