/**
 * What an entry's change of schema usage costs the ConfigSchema controller (schema-controller.ts,
 * schema-count.ts), with the recording fakes of schema-fakes.ts: the controller's own queues run for
 * real (a short count interval), the apiserver, the policies and etcd are fakes logging every call.
 */
import { describe, expect, it } from 'vitest';
import { SCHEMA_FINALIZER } from '../../src/api/names.ts';
import { schemaKeyPrefix } from '../../src/domain/keys.ts';
import { PREFIX } from './fakes.ts';
import { SCHEMA_NAME, SchemaScenario } from './schema-fakes.ts';

const SCAN = `etcd.scan ${schemaKeyPrefix(PREFIX, SCHEMA_NAME)}`;
const COUNT_INTERVAL_MS = 30;

/** Polls `probe` until it holds (the controller's queues run on timers); fails naming `what`. */
async function until(what: string, probe: () => boolean, s: SchemaScenario): Promise<void> {
  for (let waited = 0; !probe(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}: ${s.calls.summary().join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("an entry's change of schema usage", () => {
  it('a burst of 20 entry creates of a Ready schema: one status patch with the count, no policy applied, etcd not read', async () => {
    const s = new SchemaScenario();
    await s.ready();
    const controller = s.controller(COUNT_INTERVAL_MS);
    const entries: string[] = [];
    for (let i = 0; i < 20; i++) {
      entries.push(`ConfigEntry shop/entry-${i}`);
      s.useBy('v1', ...entries);
      controller.queueSchema(SCHEMA_NAME);
    }
    await until('the count of 20', () => s.api.status(SCHEMA_NAME)?.entries === 20, s);
    await controller.stop();
    expect(s.calls.summary()).toEqual(['schema.patchStatus Ready True']);
    expect(s.condition('Ready')?.status).toBe('True');
  });

  it('a change that leaves the count as the status has it writes nothing', async () => {
    const s = new SchemaScenario();
    await s.ready();
    const controller = s.controller(COUNT_INTERVAL_MS);
    controller.queueSchema(SCHEMA_NAME); // the status already counts 0
    await new Promise((r) => setTimeout(r, COUNT_INTERVAL_MS * 5));
    await controller.stop();
    expect(s.calls.summary()).toEqual([]);
  });

  it('an entry naming a schema whose deletion is pending: the full reconcile, SchemaInUse names every current user, finalizer kept', async () => {
    const s = new SchemaScenario();
    await s.deletionWaiting('ConfigEntry shop/checkout');
    const controller = s.controller(COUNT_INTERVAL_MS);
    s.useBy('v1', 'ConfigEntry shop/checkout', 'ConfigEntry billing/invoices');
    controller.queueSchema(SCHEMA_NAME);
    await until('SchemaInUse naming both', () => s.condition('Stalled')?.message.includes('billing/invoices') === true, s);
    await controller.stop();
    expect(s.condition('Stalled')?.message).toBe('deletion waits: still used by ConfigEntry billing/invoices (@v1), ConfigEntry shop/checkout (@v1)');
    expect(s.api.get(SCHEMA_NAME)?.metadata.finalizers).toEqual([SCHEMA_FINALIZER]);
  });

  it('the last entry leaving a schema whose deletion is pending: the full reconcile unpublishes it and removes the finalizer', async () => {
    const s = new SchemaScenario();
    await s.deletionWaiting('ConfigEntry shop/checkout');
    const controller = s.controller(COUNT_INTERVAL_MS);
    s.users.clear();
    controller.queueSchema(SCHEMA_NAME);
    await until('the schema gone', () => s.api.get(SCHEMA_NAME) === undefined, s);
    await controller.stop();
    expect(s.calls.summary()).toEqual([SCAN, 'etcd.commit: committed', 'schema.setFinalizers []']);
  });
});
