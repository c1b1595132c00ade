/**
 * The finalizer at admission (design, "The fast path"), on the real kube-apiserver: the
 * MutatingAdmissionPolicy of deploy/admission/ (installed by the global setup, as a production install
 * has it) on entries and bundles, and the chart's own copy of it; and the operator's fallback where no
 * policy applies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINALIZER } from '../../../src/api/names.ts';
import { uniqueName } from '../../support/cluster.ts';
import { Bundles, Entries } from '../../support/entries.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { StoreReader } from '../../support/store.ts';
import { MINIMAL_VALUES, helmTemplate, kubectl, kubectlOrThrow, objectsOf, toManifests } from './support.ts';

const flags = { schema: 'feature-flags@v1', data: { flags: {} } };
const OPT_OUT = 'cairn.dev/admission-finalizer=disabled';

/** Creates the entry the way `kubectl create` does and returns the finalizers of the create response. */
function createAndReadFinalizers(namespace: string, name: string, finalizers?: string[]): string[] | undefined {
  const entry = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name, namespace, ...(finalizers ? { finalizers } : {}) }, spec: flags };
  const created = JSON.parse(kubectlOrThrow(['create', '-o', 'json', '-f', '-'], JSON.stringify(entry))) as { metadata: { finalizers?: string[] } };
  return created.metadata.finalizers;
}

/** Creates a bundle of one member the way `kubectl create` does and returns the finalizers of the create response. */
function createBundleAndReadFinalizers(namespace: string, name: string, finalizers?: string[]): string[] | undefined {
  const bundle = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigBundle', metadata: { name, namespace, ...(finalizers ? { finalizers } : {}) }, spec: { members: [{ key: name, ...flags }] } };
  const created = JSON.parse(kubectlOrThrow(['create', '-o', 'json', '-f', '-'], JSON.stringify(bundle))) as { metadata: { finalizers?: string[] } };
  return created.metadata.finalizers;
}

/** Leaves an entry (or a bundle) deletable without an operator (tests that run none). */
function dropFinalizers(namespace: string, name: string, resource = 'configentry'): void {
  kubectl(['patch', resource, name, '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
}

describe('the finalizer admission policy of deploy/admission/', () => {
  const namespace = uniqueName('admission');
  beforeAll(() => void kubectlOrThrow(['create', 'namespace', namespace]));
  afterAll(() => {
    for (const name of ['plain', 'others', 'already', 'updated']) dropFinalizers(namespace, name);
    for (const name of ['bundle', 'bundle-others']) dropFinalizers(namespace, name, 'configbundle');
    kubectl(['delete', 'namespace', namespace, '--wait=false']);
  });

  it('adds cairn.dev/finalizer to a new bundle too, and appends it to the finalizers it is created with', () => {
    expect(createBundleAndReadFinalizers(namespace, 'bundle')).toEqual([FINALIZER]);
    expect(createBundleAndReadFinalizers(namespace, 'bundle-others', ['example.com/keep'])).toEqual(['example.com/keep', FINALIZER]);
  });

  it('adds cairn.dev/finalizer to a new entry without finalizers: it is in the create response', () => {
    expect(createAndReadFinalizers(namespace, 'plain')).toEqual([FINALIZER]);
  });

  it('appends it to the finalizers an entry is created with, keeping theirs first', () => {
    expect(createAndReadFinalizers(namespace, 'others', ['example.com/keep'])).toEqual(['example.com/keep', FINALIZER]);
  });

  it('does not add it twice', () => {
    expect(createAndReadFinalizers(namespace, 'already', [FINALIZER])).toEqual([FINALIZER]);
  });

  it('acts on create only: an update that removes it is left alone', () => {
    expect(createAndReadFinalizers(namespace, 'updated')).toEqual([FINALIZER]);
    const updated = JSON.parse(kubectlOrThrow(['patch', 'configentry', 'updated', '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/other"]}}', '-o', 'json'])) as { metadata: { finalizers?: string[] } };
    expect(updated.metadata.finalizers).toEqual(['example.com/other']);
    dropFinalizers(namespace, 'updated');
  });
});

describe('without the policy (a namespace the binding excludes), the operator adds the finalizer itself, to entries and bundles', () => {
  const namespace = uniqueName('no-policy');
  const prefix = `/${uniqueName('no-policy')}`;
  const entries = new Entries(namespace);
  const bundles = new Bundles(namespace);
  const store = new StoreReader();
  let operator: RunningOperator | undefined;

  beforeAll(async () => {
    kubectlOrThrow(['create', 'namespace', namespace]);
    kubectlOrThrow(['label', 'namespace', namespace, OPT_OUT]);
  });
  afterAll(async () => {
    await operator?.stop();
    await entries.deleteNamespace();
    store.close();
  });

  it('admits the entry and the bundle as they were sent', () => {
    expect(createAndReadFinalizers(namespace, 'fallback')).toBeUndefined();
    expect(createBundleAndReadFinalizers(namespace, 'fallback-bundle')).toBeUndefined();
  });

  it('adds the finalizer, commits and, on deletion, deletes the value and lets the entry go', async () => {
    operator = await startOperator({ namespace, prefix });
    const ready = await entries.waitReady('fallback');
    expect(ready.metadata.finalizers).toEqual([FINALIZER]);
    expect(await store.get(`${prefix}/data/${namespace}/fallback`)).toBeDefined();
    await entries.delete('fallback');
    await entries.waitGone('fallback');
    expect(await store.get(`${prefix}/data/${namespace}/fallback`)).toBeUndefined();
  });

  it('adds the finalizer to the bundle, commits it and, on deletion, lets it go', async () => {
    const ready = await bundles.waitReady('fallback-bundle');
    expect(ready.metadata.finalizers).toEqual([FINALIZER]);
    expect(await store.get(`${prefix}/data/${namespace}/fallback-bundle`)).toBeDefined();
    await bundles.delete('fallback-bundle');
    await bundles.waitGone('fallback-bundle');
  });
});

describe("the chart's admission policy, installed for real", () => {
  // Its own namespace, excluded from the global policy and selected by the chart's only, so the
  // finalizer can only come from the chart's policy.
  const namespace = uniqueName('chart-policy');
  const release = uniqueName('policy');
  const selectorLabel = `cairn-test/${release}`;
  let installed = '';

  beforeAll(async () => {
    kubectlOrThrow(['create', 'namespace', namespace]);
    kubectlOrThrow(['label', 'namespace', namespace, OPT_OUT, `${selectorLabel}=selected`]);
    const objects = objectsOf(await helmTemplate({ release, namespace, valuesFiles: [MINIMAL_VALUES], set: [`admissionPolicy.namespaceSelector.matchLabels.cairn-test/${release}=selected`] }));
    installed = toManifests(objects.filter((o) => o.kind === 'MutatingAdmissionPolicy' || o.kind === 'MutatingAdmissionPolicyBinding'));
    kubectlOrThrow(['apply', '--server-side', '-f', '-'], installed);
  });
  afterAll(() => {
    dropFinalizers(namespace, 'by-chart');
    if (installed) kubectl(['delete', '-f', '-'], installed);
    kubectl(['delete', 'namespace', namespace, '--wait=false']);
  });

  it('adds the finalizer on create once the apiserver has loaded it', async () => {
    const probe = JSON.stringify({ apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: 'probe', namespace }, spec: flags });
    const deadline = Date.now() + 20_000;
    // A new policy takes effect when the apiserver's policy informer has it, a moment after the create.
    while (Date.now() < deadline) {
      const dryRun = JSON.parse(kubectlOrThrow(['create', '--dry-run=server', '-o', 'json', '-f', '-'], probe)) as { metadata: { finalizers?: string[] } };
      if (dryRun.metadata.finalizers !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(createAndReadFinalizers(namespace, 'by-chart')).toEqual([FINALIZER]);
  });
});
