/** What the informer keeps of each object: the metadata the reconciler reads, spec and status. */
import { describe, expect, it } from 'vitest';
import { StringInterner, trimForCache, trimSchemaForCache } from '../../../src/kube/trim.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

describe('trimForCache', () => {
  const served = {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ConfigEntry',
    metadata: {
      name: 'a',
      namespace: 'shop',
      uid: 'u-1',
      generation: 3,
      resourceVersion: '5',
      deletionTimestamp: '2026-11-25T00:00:00Z',
      finalizers: ['cairn.dev/finalizer'],
      creationTimestamp: '2026-11-24T00:00:00Z',
      managedFields: [{ manager: 'kubectl' }],
      annotations: { [LAST_APPLIED]: '{"spec":{}}', team: 'payments' },
      labels: { app: 'x' },
    },
    spec: { schema: 'database@v1', data: { port: 1 } },
    status: { revision: '9' },
  };

  it('keeps the metadata the reconciler reads, spec and status, and drops everything else', () => {
    expect(trimForCache(served)).toEqual({
      metadata: { name: 'a', namespace: 'shop', uid: 'u-1', generation: 3, resourceVersion: '5', deletionTimestamp: '2026-11-25T00:00:00Z', finalizers: ['cairn.dev/finalizer'] },
      spec: { schema: 'database@v1', data: { port: 1 } },
      status: { revision: '9' },
    });
  });

  it('leaves the object it was given as it was', () => {
    const copy = structuredClone(served);
    trimForCache(copy);
    expect(copy).toEqual(served);
  });

  it('adds no status to an object that has none', () => {
    expect(trimForCache({ metadata: { name: 'a' }, spec: {} })).toEqual({ metadata: { name: 'a' }, spec: {} });
  });

  it('leaves an object without metadata as it is', () => {
    expect(trimForCache({ kind: 'Status' })).toEqual({ kind: 'Status' });
  });
});

describe('trimSchemaForCache', () => {
  it('keeps the labels too: the schema reconciler reads the embedded label', () => {
    const served = { metadata: { name: 'database', uid: 'u', managedFields: [{ manager: 'cairn-operator' }], labels: { 'cairn.dev/embedded': 'true' } }, spec: { versions: [] } };
    expect(trimSchemaForCache(served)).toEqual({ metadata: { name: 'database', uid: 'u', labels: { 'cairn.dev/embedded': 'true' } }, spec: { versions: [] } });
  });
});

describe('StringInterner', () => {
  it('gives back equal strings and holds at most its bound, starting over when full', () => {
    const interner = new StringInterner(2);
    expect(['a', 'b', 'a'].map((v) => interner.intern(v))).toEqual(['a', 'b', 'a']);
    expect(interner.size).toBe(2);
    expect(interner.intern('c')).toBe('c');
    expect(interner.size).toBe(1);
  });

  it('leaves long strings and other values alone, holding none of them', () => {
    const interner = new StringInterner(8);
    const long = 'x'.repeat(65);
    expect([interner.intern(long), interner.intern(3), interner.intern(undefined)]).toEqual([long, 3, undefined]);
    expect(interner.size).toBe(0);
  });
});
