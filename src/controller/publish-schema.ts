/**
 * The publish step of a ConfigSchema: read `P/schemas/<name>/`, plan (domain/plan-schema.ts), and
 * execute the one guarded transaction. Used for unpublishing too (no wanted versions).
 *
 * A transaction whose outcome is unknown moves this leader's fence before the error goes on to be
 * retried (the retry reads again: see commit-entry.ts for why the move comes first), and one refused
 * because this leader moved its fence meanwhile is planned again under the new fence.
 *
 * Errors: FencingLostError when another leader took over (reported through deps.fencing);
 * FenceUnavailableError when this leader's own fence move failed (it is fencing again); TransientError CompareFailed when a key changed between the read and the
 * transaction (the queue retries, rate limited); the store's own errors otherwise.
 */
import { COMPARE_FAILED } from '../api/conditions.ts';
import { TransientError } from '../domain/errors.ts';
import { presentKey } from '../domain/key-state.ts';
import { schemaKeyPrefix } from '../domain/keys.ts';
import { planPublication, type PublishedVersion } from '../domain/plan-schema.ts';
import { fenceIn, fenceLost } from '../domain/txn-failure.ts';
import type { Fence, KeyState } from '../domain/types.ts';
import type { Fencing, OutcomeUnknownTest, Store } from './ports.ts';

export interface PublishDeps {
  readonly store: Pick<Store, 'commit' | 'scanPrefix'>;
  readonly prefix: string;
  readonly fencing: Fencing;
  readonly isOutcomeUnknown: OutcomeUnknownTest;
}

/** Plans once more when this leader's own fence move refused the first transaction. */
const MAX_ATTEMPTS = 2;

/** Makes `P/schemas/<name>/` hold exactly `wanted` (plus the `keep` keys); true when it wrote. */
export async function publishSchema(name: string, wanted: readonly PublishedVersion[], keep: ReadonlySet<string>, heldFence: Fence, deps: PublishDeps): Promise<boolean> {
  let fence = heldFence;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const observed = new Map<string, KeyState>();
    await deps.store.scanPrefix(schemaKeyPrefix(deps.prefix, name), (kv) => observed.set(kv.key, presentKey(kv.value, kv.modRevision, kv.createRevision)));
    const decision = planPublication(deps.prefix, wanted, observed, keep, fence);
    if (decision.kind === 'upToDate') return false;
    let result;
    try {
      result = await deps.store.commit(decision.txn);
    } catch (error) {
      if (deps.isOutcomeUnknown(error)) await deps.fencing.supersede(fence);
      throw error;
    }
    if (result.succeeded) return true;
    const lost = fenceLost(result.readBack, fence);
    if (lost === undefined) break;
    fence = await deps.fencing.afterRefusal(fence, fenceIn(result.readBack, fence));
  }
  throw new TransientError(COMPARE_FAILED, `the keys under ${schemaKeyPrefix(deps.prefix, name)} changed while publishing; retrying`);
}
