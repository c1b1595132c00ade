/**
 * The usual setting of an operator integration test: its own namespace, its own etcd prefix, the
 * operator running for that namespace and prefix, and a direct reader of the store. Registers the
 * vitest hooks that set it up before the file's tests and tear it down after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { uniqueName } from './cluster.ts';
import { Entries } from './entries.ts';
import { type RunningOperator, startOperator } from './operator.ts';
import { StoreReader } from './store.ts';

export interface OperatorFixture {
  readonly namespace: string;
  readonly prefix: string;
  readonly entries: Entries;
  readonly store: StoreReader;
  /** Set once the file's beforeAll has run. */
  readonly operator: RunningOperator;
}

export function withOperator(base: string, args: readonly string[] = []): OperatorFixture {
  const namespace = uniqueName(base);
  const fixture = { namespace, prefix: `/${uniqueName(base)}`, entries: new Entries(namespace), store: new StoreReader(), operator: undefined as unknown as RunningOperator };
  beforeAll(async () => {
    await fixture.entries.createNamespace();
    fixture.operator = await startOperator({ namespace, prefix: fixture.prefix, args });
  });
  afterAll(async () => {
    await fixture.operator?.stop();
    await fixture.entries.deleteNamespace();
    fixture.store.close();
  });
  return fixture;
}

/** Polls `probe` until it returns a value (not undefined); throws naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
