/**
 * The cleanup step of a bundle being deleted (finalizer present): remove every member it owns (data
 * and meta under Delete, meta only under Retain) in one transaction guarded by the fence and each
 * meta key as read; then the caller removes the finalizer. As delete-entry.ts: deletion never plans
 * from the view (it reads etcd), touches only keys whose meta names this bundle's uid, and is
 * idempotent (after a crash between the transaction and the finalizer removal, the next run finds
 * nothing ours and just releases). Unknown outcomes and refusals move or follow the fence as
 * delete-entry.ts does.
 *
 * Errors: returns 'released' when the finalizer may go, or a transient outcome to retry; throws
 * FencingLostError when another leader took over, FenceUnavailableError when this leader's own fence
 * move failed (it is fencing again).
 */
import type { ConfigBundle } from '../api/config-bundle.ts';
import { COMPARE_FAILED } from '../api/conditions.ts';
import type { BundleOutcome } from '../domain/outcome.ts';
import { planBundleDeletion } from '../domain/plan-bundle-deletion.ts';
import type { KeyStates } from '../domain/plan-bundle.ts';
import { classifyTxnFailure } from '../domain/txn-failure.ts';
import type { Fence } from '../domain/types.ts';
import type { BundleReconcileDeps } from './bundle-ports.ts';
import { timed } from './context.ts';

const MAX_ATTEMPTS = 5;

export type BundleCleanup = { readonly kind: 'released'; readonly message: string } | { readonly kind: 'retry'; readonly outcome: BundleOutcome };

export async function cleanUpBundle(bundle: ConfigBundle, heldFence: Fence, deps: BundleReconcileDeps): Promise<BundleCleanup> {
  let fence = heldFence;
  let observed: KeyStates | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const decision = planBundleDeletion(bundle, observed, { prefix: deps.prefix, fence });
    if (decision.kind === 'nothingOurs') return { kind: 'released', message: decision.message };
    if (decision.kind === 'needsRead') {
      observed = (await timed(deps.metrics, 'etcd_read', () => deps.store.readKeys(decision.keys))).keys;
      continue;
    }
    let result;
    try {
      result = await timed(deps.metrics, 'etcd_txn', () => deps.store.commit(decision.txn));
    } catch (error) {
      if (!deps.isOutcomeUnknown(error)) throw error;
      fence = await deps.fencing.supersede(fence);
      observed = undefined; // read again: the plan sees whether the delete happened
      continue;
    }
    if (result.succeeded) {
      deps.metrics.etcdTxns.inc({ result: 'committed' });
      for (const op of decision.txn.operations) deps.view.record(op.key, { exists: false }, result.revision);
      const what = decision.retain ? `released ${decision.pairs.length} members (deletionPolicy Retain: the values stay)` : `deleted ${decision.pairs.length} members`;
      return { kind: 'released', message: `${what} at revision ${result.revision}` };
    }
    deps.metrics.etcdTxns.inc({ result: 'compare_failed' });
    const failure = classifyTxnFailure(result.readBack, fence, decision.pairs, bundle.metadata.uid);
    if (failure.kind === 'fencingLost') fence = await deps.fencing.afterRefusal(fence, failure.fenceNow);
    observed = result.readBack;
  }
  return { kind: 'retry', outcome: { kind: 'transient', reason: COMPARE_FAILED, message: `the members' keys kept changing during ${MAX_ATTEMPTS} attempts; retrying` } };
}
