/**
 * Which changes of an entry make the manager ask the schema controller to look at a schema's users
 * again: a schema's deletion (or a version's removal) waits for its users, so a user that moves away,
 * even only to another version of the same schema, must be reported.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { liveEntry } from '../../controller/fakes.ts';
import { ManagerHarness } from './manager-harness.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function started(schema: string): Promise<{ h: ManagerHarness; key: string }> {
  const h = new ManagerHarness();
  const key = h.create(liveEntry({ spec: { schema } }));
  await h.manager.start();
  return { h, key };
}

describe('Manager: schema use', () => {
  it.each([
    ['to another version of the same schema', 'payments@v1', 'payments@v2', ['payments']],
    ['to another schema', 'payments@v1', 'orders@v1', ['payments', 'orders']],
  ])('reports an entry that moves %s', async (_, from, to, expected) => {
    const { h, key } = await started(from);
    h.updateSpec(key, { schema: to });
    expect(h.schemaUses).toEqual(expected);
  });

  it('reports nothing when only the data changes', async () => {
    const { h, key } = await started('payments@v1');
    h.updateSpec(key, { data: { currency: 'EUR' } });
    expect(h.schemaUses).toEqual([]);
  });
});
