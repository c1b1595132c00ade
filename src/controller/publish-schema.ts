/**
 * The publish step of a ConfigSchema: read `P/schemas/<name>/`, plan (domain/plan-schema.ts), and
 * execute the one guarded transaction. Used for unpublishing too (no wanted versions).
 *
 * Errors: FencingLostError (after telling the manager) when the fence moved; TransientError
 * CompareFailed when a key changed between the read and the transaction (the queue retries, rate
 * limited); the store's own errors otherwise.
 */
import { COMPARE_FAILED } from '../api/conditions.ts';
import { FencingLostError, TransientError } from '../domain/errors.ts';
import { presentKey } from '../domain/key-state.ts';
import { schemaKeyPrefix } from '../domain/keys.ts';
import { planPublication, type PublishedVersion } from '../domain/plan-schema.ts';
import { fenceLost } from '../domain/txn-failure.ts';
import type { Fence, KeyState } from '../domain/types.ts';
import type { Store } from './ports.ts';

export interface PublishDeps {
  readonly store: Pick<Store, 'commit' | 'scanPrefix'>;
  readonly prefix: string;
  readonly onFencingLost: (lost: Fence) => void;
}

/** Makes `P/schemas/<name>/` hold exactly `wanted` (plus the `keep` keys); true when it wrote. */
export async function publishSchema(name: string, wanted: readonly PublishedVersion[], keep: ReadonlySet<string>, fence: Fence, deps: PublishDeps): Promise<boolean> {
  const observed = new Map<string, KeyState>();
  await deps.store.scanPrefix(schemaKeyPrefix(deps.prefix, name), (kv) => observed.set(kv.key, presentKey(kv.value, kv.modRevision, kv.createRevision)));
  const decision = planPublication(deps.prefix, wanted, observed, keep, fence);
  if (decision.kind === 'upToDate') return false;
  const result = await deps.store.commit(decision.txn);
  if (result.succeeded) return true;
  const lost = fenceLost(result.readBack, fence);
  if (lost !== undefined) {
    deps.onFencingLost(fence);
    throw new FencingLostError(lost);
  }
  throw new TransientError(COMPARE_FAILED, `the keys under ${schemaKeyPrefix(deps.prefix, name)} changed while publishing; retrying`);
}
