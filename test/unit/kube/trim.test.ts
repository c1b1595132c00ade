/** What the informer keeps of each object: everything but managedFields and the last-applied annotation. */
import { describe, expect, it } from 'vitest';
import { trimForCache } from '../../../src/kube/trim.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

describe('trimForCache', () => {
  it('removes managedFields and the last-applied annotation and keeps everything else', () => {
    const object = {
      metadata: { name: 'a', resourceVersion: '5', managedFields: [{ manager: 'kubectl' }], annotations: { [LAST_APPLIED]: '{"spec":{}}', team: 'payments' }, labels: { app: 'x' } },
      spec: { key: 'a' },
      status: { revision: '9' },
    };
    expect(trimForCache(object)).toEqual({
      metadata: { name: 'a', resourceVersion: '5', annotations: { team: 'payments' }, labels: { app: 'x' } },
      spec: { key: 'a' },
      status: { revision: '9' },
    });
  });

  it('drops the annotations map when the last-applied annotation was its only entry', () => {
    const trimmed = trimForCache({ metadata: { name: 'a', annotations: { [LAST_APPLIED]: '{}' } } });
    expect(trimmed.metadata).toEqual({ name: 'a' });
  });

  it('keeps an annotations map that never held the last-applied annotation, even when empty', () => {
    expect(trimForCache({ metadata: { name: 'a', annotations: {} } }).metadata).toEqual({ name: 'a', annotations: {} });
  });

  it('leaves an object without metadata as it is', () => {
    expect(trimForCache({ kind: 'Status' })).toEqual({ kind: 'Status' });
  });
});
