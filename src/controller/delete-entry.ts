/**
 * The cleanup step of an entry being deleted (finalizer present): remove its data and meta
 * (Delete) or its meta only (Retain), in one transaction guarded by the fence and the meta key as
 * read; then the caller removes the finalizer.
 *
 * Guarantees: deletion never plans from the view: it reads etcd, so it never deletes from a stale
 * picture (the compares would catch it, but a read here is cheap and deletions are rare). Only keys
 * whose meta names this entry's uid are touched. Idempotent: after a crash between the transaction
 * and the finalizer removal, the next run finds nothing ours and just releases.
 *
 * A delete whose outcome is unknown moves this leader's fence before the read that decides (see
 * commit-entry.ts), and one refused because this leader moved its fence meanwhile is planned again
 * under the new fence.
 *
 * Errors: returns 'released' when the finalizer may go, or a transient outcome to retry; throws
 * FencingLostError when another leader took over, FenceUnavailableError when this leader's own fence
 * move failed (it is fencing again).
 */
import type { ConfigEntry } from '../api/config-entry.ts';
import { COMPARE_FAILED } from '../api/conditions.ts';
import type { Outcome } from '../domain/outcome.ts';
import { planDeletion } from '../domain/plan-deletion.ts';
import { classifyTxnFailure, observedFromReadBack } from '../domain/txn-failure.ts';
import type { Fence, ObservedKeys } from '../domain/types.ts';
import { type ReconcileDeps, timed } from './context.ts';

const MAX_ATTEMPTS = 5;

export type Cleanup = { readonly kind: 'released'; readonly message: string } | { readonly kind: 'retry'; readonly outcome: Outcome };

export async function cleanUpEntry(entry: ConfigEntry, heldFence: Fence, deps: ReconcileDeps): Promise<Cleanup> {
  let fence = heldFence;
  let observed: ObservedKeys | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const decision = planDeletion(entry, observed, { prefix: deps.prefix, fence });
    if (decision.kind === 'nothingOurs') return { kind: 'released', message: decision.message };
    if (decision.kind === 'needsRead') {
      observed = await timed(deps.metrics, 'etcd_read', () => deps.store.read(decision.keys.data, decision.keys.meta));
      continue;
    }
    let result;
    try {
      result = await timed(deps.metrics, 'etcd_txn', () => deps.store.commit(decision.txn));
    } catch (error) {
      if (!deps.isOutcomeUnknown(error)) throw error;
      fence = await deps.fencing.supersede(fence);
      observed = undefined; // read again: planDeletion sees whether the delete happened
      continue;
    }
    if (result.succeeded) {
      deps.metrics.etcdTxns.inc({ result: 'committed' });
      for (const op of decision.txn.operations) deps.view.record(op.key, { exists: false }, result.revision);
      const what = decision.retain ? `released ${decision.keys.data} (deletionPolicy Retain: the value stays)` : `deleted ${decision.keys.data}`;
      return { kind: 'released', message: `${what} at revision ${result.revision}` };
    }
    deps.metrics.etcdTxns.inc({ result: 'compare_failed' });
    const failure = classifyTxnFailure(result.readBack, fence, decision.keys, entry.metadata.uid);
    if (failure.kind === 'fencingLost') fence = await deps.fencing.afterRefusal(fence, failure.fenceNow);
    observed = observedFromReadBack(result.readBack, decision.keys, result.revision);
  }
  return { kind: 'retry', outcome: { kind: 'transient', reason: COMPARE_FAILED, message: `the keys kept changing during ${MAX_ATTEMPTS} attempts; retrying` } };
}
