/**
 * Admission policies generated from schemas (src/schemas/admission), on the real apiserver, beyond
 * the shared differential test (test/integration/parity, where admission is one judge of the corpus
 * and of the embedded schemas): a real `kubectl apply` of an invalid entry failing with the field's
 * message, and a deprecated version warning instead of denying.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../parity/corpus.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { eventually } from '../../support/fixture.ts';
import { Admission } from './admission.ts';
import { closeKube, remove, sendCreate } from './api.ts';

describe('kubectl apply of an entry with invalid data', () => {
  const namespace = uniqueName('schema-apply');
  const schema = loadCorpus().find((s) => s.name === 'rules-on-defaults')?.schema as Record<string, unknown>;
  let admission: Admission | undefined;
  let deprecated: Admission | undefined;
  const kubectl = (args: string[], input: string) => {
    const { kubectl: bin, kubeconfig } = controlPlane();
    const run = spawnSync(bin, ['--kubeconfig', kubeconfig, ...args], { input, encoding: 'utf8' });
    return { ok: run.status === 0, out: run.stdout, err: run.stderr };
  };
  const entry = (name: string, schemaId: string, data: unknown) => JSON.stringify({ apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name, namespace }, spec: { schema: schemaId, data } });

  beforeAll(async () => {
    await sendCreate('/api/v1/namespaces', { metadata: { name: namespace } });
    admission = await Admission.install({ name: 'apply-test', version: 'v1', openAPIV3Schema: schema }, namespace, { pool: 'x' });
  });
  afterAll(async () => {
    await admission?.uninstall();
    await deprecated?.uninstall();
    await remove(`/api/v1/namespaces/${namespace}`);
    await closeKube();
  });

  it('fails with the field path and the rule message, and writes nothing', () => {
    const applied = kubectl(['apply', '-f', '-'], entry('bad-pool', 'apply-test@v1', { pool: { min: 4, max: 3 } }));
    expect(applied.ok).toBe(false);
    expect(applied.err).toContain('spec.data.pool.min: must not be greater than max');
    expect(kubectl(['get', 'configentry', 'bad-pool', '-n', namespace], '').ok).toBe(false);
  });

  it('fails on a type error with the field path', () => {
    const applied = kubectl(['apply', '-f', '-'], entry('bad-type', 'apply-test@v1', { pool: { max: 'ten' } }));
    expect(applied.ok).toBe(false);
    expect(applied.err).toContain('spec.data.pool.max: must be of type integer');
  });

  it('a valid entry is admitted (server-side dry run)', () => {
    const applied = kubectl(['apply', '--dry-run=server', '-f', '-'], entry('good', 'apply-test@v1', { pool: { min: 2, max: 3 } }));
    expect(applied).toMatchObject({ ok: true, err: '' });
  });

  it('a deprecated version admits the same entry with warnings: the deprecation and the problem', async () => {
    deprecated = await Admission.install({ name: 'apply-test', version: 'v0', openAPIV3Schema: schema, deprecated: true, deprecationWarning: 'apply-test@v0 is deprecated: use apply-test@v1' }, namespace);
    const old = entry('old', 'apply-test@v0', { pool: { min: 4, max: 3 } });
    // Warn-only: enforced once the warning shows (the policy informer picks a new policy up shortly).
    const applied = await eventually('the deprecation warning', async () => {
      const attempt = kubectl(['apply', '--dry-run=server', '-f', '-'], old);
      return attempt.err.includes('deprecated') ? attempt : undefined;
    });
    expect(applied.ok).toBe(true);
    expect(applied.err).toContain('apply-test@v0 is deprecated: use apply-test@v1');
    expect(applied.err).toContain('spec.data.pool.min: must not be greater than max');
  });
});
