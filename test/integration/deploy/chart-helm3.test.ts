/**
 * The chart with Helm 3 (v3.22.0, built like the other pinned binaries): many GitOps installations
 * still render with it. It must lint, render without a cluster, render the same objects as Helm 4,
 * and be accepted by the real apiserver.
 */
import { describe, expect, it } from 'vitest';
import { CHART, FULL_VALUES, MINIMAL_VALUES, dryRunApply, helmPath, helmTemplate, objectsOf, run } from './support.ts';

describe('the chart with Helm 3', () => {
  it.each([
    ['minimal', MINIMAL_VALUES],
    ['full', FULL_VALUES],
  ])('passes helm lint --strict with the %s values', async (_, values) => {
    const result = run(await helmPath('helm3'), ['lint', '--strict', CHART, '--values', values]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it.each([
    ['minimal', MINIMAL_VALUES],
    ['full', FULL_VALUES],
  ])('renders the same objects as Helm 4 with the %s values', async (_, values) => {
    const options = { namespace: 'cairn-system', valuesFiles: [values], includeCrds: true };
    expect(objectsOf(await helmTemplate({ ...options, helm: 'helm3' }))).toEqual(objectsOf(await helmTemplate(options)));
  });

  it('renders manifests the real apiserver accepts (server-side dry run)', async () => {
    const objects = objectsOf(await helmTemplate({ helm: 'helm3', namespace: 'default', valuesFiles: [MINIMAL_VALUES] }));
    expect(objects.length).toBeGreaterThan(3);
    const result = dryRunApply(objects);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
