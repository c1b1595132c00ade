/**
 * Event correlation against the real apiserver: a burst of one event is one Event object with a
 * count (not one object per occurrence), and a later occurrence patches that object.
 */
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder, kubeEventApi } from '../../../src/kube/events.ts';
import { loadKubeConfig } from '../../../src/kube/kube-config.ts';
import { adminKubeConfig, controlPlane, uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';
import { eventually } from '../../support/fixture.ts';

describe('EventRecorder on the apiserver', () => {
  const namespace = uniqueName('events');
  const entries = new Entries(namespace);
  const kubeConfig = loadKubeConfig(controlPlane().kubeconfig);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const errors: unknown[] = [];
  const recorder = new EventRecorder(kubeEventApi(kubeConfig), 'cairn-test', { onError: (e) => errors.push(e) });

  beforeAll(() => entries.createNamespace());
  afterAll(async () => {
    await entries.deleteNamespace();
    await kubeConfig.close();
  });

  async function eventsAbout(name: string): Promise<CoreV1Event[]> {
    return (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items;
  }

  it('turns a burst of 20 identical events into one Event object with count 20', async () => {
    const target = { metadata: { name: 'burst', namespace, uid: 'uid-burst' } };
    for (let i = 0; i < 20; i++) recorder.record(target, { type: 'Warning', reason: 'EtcdUnavailable', message: 'etcd did not answer' });

    const events = await eventually('an Event with count 20', async () => {
      const found = await eventsAbout('burst');
      return found.some((e) => e.count === 20) ? found : undefined;
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'EtcdUnavailable', message: 'etcd did not answer', count: 20 });
    expect(errors).toEqual([]);
  });

  it('counts a later occurrence on the same object, and keeps a different message in another', async () => {
    const target = { metadata: { name: 'later', namespace, uid: 'uid-later' } };
    const committed = { type: 'Normal', reason: 'Committed', message: 'committed to /cairn/data/x at revision 4' } as const;
    recorder.record(target, committed);
    await recorder.flushed();
    recorder.record(target, committed);
    recorder.record(target, { ...committed, message: 'committed to /cairn/data/x at revision 5' });
    await recorder.flushed();

    const events = await eventsAbout('later');
    expect(events.map((e) => `${e.message} x${e.count}`).sort()).toEqual(['committed to /cairn/data/x at revision 4 x2', 'committed to /cairn/data/x at revision 5 x1']);
    expect(errors).toEqual([]);
  });
});
