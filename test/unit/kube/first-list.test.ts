/**
 * withFirstList: the informer's first list is the one start-up already sent; later lists and every
 * watch go to the source.
 */
import { describe, expect, it } from 'vitest';
import type { ResourceList } from '../../../src/kube/config-entries.ts';
import { withFirstList } from '../../../src/kube/first-list.ts';
import type { InformerSource } from '../../../src/kube/informer.ts';

function recordingSource(): InformerSource<string> & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    list: () => {
      calls.push('list');
      return Promise.resolve({ items: ['from the source'], resourceVersion: '20' });
    },
    watch: (resourceVersion) => {
      calls.push(`watch ${resourceVersion}`);
      return Promise.resolve({ abort: () => undefined });
    },
  };
}

describe('withFirstList', () => {
  it('answers the first list with the early one, then lists through the source', async () => {
    const source = recordingSource();
    const early: ResourceList<string> = { items: ['early'], resourceVersion: '10' };
    const informerSource = withFirstList(source, Promise.resolve(early));
    expect(await informerSource.list()).toEqual(early);
    expect(source.calls).toEqual([]);
    expect(await informerSource.list()).toEqual({ items: ['from the source'], resourceVersion: '20' });
    expect(source.calls).toEqual(['list']);
  });

  it('hands an early list that failed to the informer once, then lists through the source', async () => {
    const source = recordingSource();
    const informerSource = withFirstList(source, Promise.reject(new Error('connection refused')));
    await expect(informerSource.list()).rejects.toThrow('connection refused');
    expect((await informerSource.list()).items).toEqual(['from the source']);
    expect(source.calls).toEqual(['list']);
  });

  it('watches through the source', async () => {
    const source = recordingSource();
    const informerSource = withFirstList(source, Promise.resolve({ items: [], resourceVersion: '10' }));
    await informerSource.watch('10', () => undefined, () => undefined);
    expect(source.calls).toEqual(['watch 10']);
  });
});
