/** The operator's stop order (src/shutdown.ts), with recording fakes for each part. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type StoppableParts, stopOperator } from '../../src/shutdown.ts';

/** Parts that record, in order, each step as it completes; `flushed` is how the Events' flush ends. */
function parts(flushed: Promise<void>): { parts: StoppableParts; calls: string[] } {
  const calls: string[] = [];
  const done = (name: string) => (): Promise<void> => {
    calls.push(name);
    return Promise.resolve();
  };
  return {
    calls,
    parts: {
      schemas: { stop: done('schemas.stop') },
      manager: { stop: done('manager.stop') },
      events: { flushed: () => flushed.then(() => void calls.push('events flushed')) },
      closeServer: done('server.close'),
      etcd: { close: () => void calls.push('etcd.close') },
      kubeConfig: { close: done('kubeConfig.close') },
      log: { info: () => undefined, warn: (_fields, message) => void calls.push(`warn: ${message}`) },
    },
  };
}

describe('stopOperator', () => {
  afterEach(() => vi.useRealTimers());

  it('writes the Events still waiting once the queue has drained, before any connection closes', async () => {
    let flush: () => void = () => undefined;
    const { parts: p, calls } = parts(new Promise((resolve) => (flush = resolve)));
    const stopped = stopOperator(p);
    await vi.waitFor(() => expect(calls).toEqual(['schemas.stop', 'manager.stop']));
    flush();
    await stopped;

    expect(calls).toEqual(['schemas.stop', 'manager.stop', 'events flushed', 'server.close', 'etcd.close', 'kubeConfig.close']);
  });

  it('gives up on Events the apiserver does not take within the bound, says so, and still closes everything', async () => {
    vi.useFakeTimers();
    const { parts: p, calls } = parts(new Promise(() => undefined));
    const stopped = stopOperator(p, 3_000);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(calls).toEqual(['schemas.stop', 'manager.stop']);
    await vi.advanceTimersByTimeAsync(1);
    await stopped;

    expect(calls).toEqual(['schemas.stop', 'manager.stop', 'warn: events still waiting at shutdown were not written', 'server.close', 'etcd.close', 'kubeConfig.close']);
  });
});
