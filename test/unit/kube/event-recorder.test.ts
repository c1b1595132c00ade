/** The recorder's bounded write queue, against a recording fake of the two event requests. */
import { describe, expect, it } from 'vitest';
import { type DropReason, type EventApi, EventRecorder } from '../../../src/kube/events.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';

const warning = { type: 'Warning', reason: 'EtcdUnavailable', message: 'etcd did not answer' } as const;

function target(name: string): { metadata: { name: string; namespace: string; uid: string } } {
  return { metadata: { name, namespace: 'shop', uid: `uid-${name}` } };
}

/** Records each request; requests stay in flight until released. */
class FakeEventApi implements EventApi {
  readonly requests: string[] = [];
  readonly stored = new Map<string, { count: number }>();
  inFlight = 0;
  maxInFlight = 0;
  private readonly waiting: (() => void)[] = [];

  create(_namespace: string, body: object): Promise<unknown> {
    const event = body as { metadata: { name: string }; count: number };
    this.requests.push(`create ${event.metadata.name} count=${event.count}`);
    return this.hold(() => this.stored.set(event.metadata.name, { count: event.count }));
  }

  patch(_namespace: string, name: string, body: object): Promise<unknown> {
    const { count } = body as { count: number };
    this.requests.push(`patch ${name} count=${count}`);
    return this.hold(() => {
      if (!this.stored.has(name)) throw new KubeApiError(404, `events "${name}" not found`, 'NotFound');
      this.stored.set(name, { count });
    });
  }

  /** Lets every request in flight finish. */
  async releaseAll(): Promise<void> {
    while (this.waiting.length > 0) {
      for (const release of this.waiting.splice(0)) release();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
  }

  private hold(apply: () => void): Promise<unknown> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) => {
      this.waiting.push(() => {
        this.inFlight -= 1;
        try {
          resolve(apply());
        } catch (error) {
          reject(error);
        }
      });
    });
  }
}

function recorder(api: FakeEventApi, options: { maxPending?: number; concurrency?: number } = {}): { r: EventRecorder; dropped: DropReason[]; errors: unknown[] } {
  const dropped: DropReason[] = [];
  const errors: unknown[] = [];
  const r = new EventRecorder(api, 'cairn-0', { onError: (e) => errors.push(e), onDropped: (d) => dropped.push(d), now: () => Date.parse('2030-01-01T00:00:00Z'), ...options });
  return { r, dropped, errors };
}

describe('EventRecorder', () => {
  it('writes a burst of one event as one create, then one patch carrying the count of everything that came meanwhile', async () => {
    const api = new FakeEventApi();
    const { r } = recorder(api);
    for (let i = 0; i < 10; i++) r.record(target('db'), warning);
    await api.releaseAll();
    await r.flushed();

    expect(api.requests.map((q) => q.replace(/ db\.[0-9a-f]+/, ' db.*'))).toEqual(['create db.* count=1', 'patch db.* count=10']);
    expect([...api.stored.values()]).toEqual([{ count: 10 }]);
  });

  it('creates the Event again when the one it would patch is gone (expired)', async () => {
    const api = new FakeEventApi();
    const { r, errors } = recorder(api);
    r.record(target('db'), warning);
    await api.releaseAll();
    api.stored.clear();
    r.record(target('db'), warning);
    await api.releaseAll();
    await r.flushed();

    expect(api.requests.map((q) => q.split(' ')[0])).toEqual(['create', 'patch', 'create']);
    expect([...api.stored.values()]).toEqual([{ count: 2 }]);
    expect(errors).toEqual([]);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const api = new FakeEventApi();
    const { r } = recorder(api, { concurrency: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) r.record(target(name), warning);

    expect(api.inFlight).toBe(2);
    await api.releaseAll();
    await r.flushed();
    expect(api.maxInFlight).toBe(2);
    expect(api.stored.size).toBe(5);
  });

  it('drops and counts events past `maxPending` waiting Events instead of queueing them', async () => {
    const api = new FakeEventApi();
    const { r, dropped } = recorder(api, { concurrency: 1, maxPending: 3 });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) r.record(target(name), warning); // a in flight, b-d waiting
    r.record(target('b'), warning); // an Event already waiting: no new entry, never dropped

    expect(dropped).toEqual(['queue_full', 'queue_full']);
    await api.releaseAll();
    await r.flushed();
    expect(api.stored.size).toBe(4);
  });

  it('drops and counts occurrences past the per-object spam limit', async () => {
    const api = new FakeEventApi();
    const { r, dropped } = recorder(api);
    for (let i = 0; i < 30; i++) r.record(target('db'), { ...warning, message: `attempt ${i % 3}` });
    await api.releaseAll();
    await r.flushed();

    expect(dropped).toEqual(['spam', 'spam', 'spam', 'spam', 'spam']);
  });
});
