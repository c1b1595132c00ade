/**
 * The commit step of a live bundle: plan from the store view, execute the one guarded transaction,
 * and on a failed compare plan again from what it read back; a read happens only when the view
 * cannot tell or a commit's outcome is unknown. The bundle's counterpart of commit-entry.ts, through
 * the same domain judgement of each key (domain/plan-bundle.ts).
 *
 * Guarantees: at most one transaction per attempt, each guarded by the fence and every key as
 * observed, so a generation is written whole or not at all. A timed-out commit moves this leader's
 * fence (nothing sent under the old one can apply any more, see commit-entry.ts), then reads every
 * key and plans again under the new fence: when the commit did apply, that plan finds everything in place and
 * writes nothing (so a retry never applies a generation twice), and reports it as the write it was
 * (a drift correction counted and announced as one). A correction of drift is first asked of the
 * drift fight, as an entry's is.
 *
 * Errors: returns an outcome for every expected situation; throws FencingLostError when another
 * leader took over, FenceUnavailableError when this leader's own fence move failed (it is fencing
 * again), and the store's own errors otherwise.
 */
import type { ConfigBundle } from '../api/config-bundle.ts';
import { COMPARE_FAILED, KEY_CONFLICT } from '../api/conditions.ts';
import { bundleKeysToObserve } from '../domain/bundle-members.ts';
import { bundleRecordKey } from '../domain/bundle-record.ts';
import type { BundleOutcome } from '../domain/outcome.ts';
import { type BundleDecision, type KeyStates, planBundle } from '../domain/plan-bundle.ts';
import { classifyTxnFailure } from '../domain/txn-failure.ts';
import type { Fence } from '../domain/types.ts';
import type { BundleReconcileDeps } from './bundle-ports.ts';
import { timed } from './context.ts';
import type { DriftFight } from './drift-fight.ts';
import { announcePuts, recordTxn } from './record-txn.ts';
import { deferredCorrection, settledWithoutWrite } from './settled-outcome.ts';

const MAX_ATTEMPTS = 5;

type Commit = Extract<BundleDecision, { kind: 'commit' }>;
/** What one transaction came to: an outcome, or a plan again from `observed` under `fence`. */
type Executed =
  | { readonly kind: 'outcome'; readonly outcome: BundleOutcome }
  /** `unknown`: the transaction timed out, and may have applied. */
  | { readonly kind: 'replan'; readonly observed: KeyStates; readonly fence: Fence; readonly unknown?: boolean };

export async function commitBundle(bundle: ConfigBundle, fence: Fence, deps: BundleReconcileDeps, driftFight: DriftFight): Promise<BundleOutcome> {
  const bundleKey = `${bundle.metadata.namespace}/${bundle.metadata.name}`;
  let ctx = { prefix: deps.prefix, fence, maxBytes: deps.maxBytes, now: deps.now(), engineSchemas: deps.engineSchemas, ...deps.limits };
  // The record (when the view keeps it) says which removed members to observe; keys the view does not
  // keep (a removed member only the record names) make it answer undefined, and the plan reads etcd.
  const recordKey = bundleRecordKey(deps.prefix, bundle.metadata.namespace, bundle.metadata.name);
  const keys = bundleKeysToObserve(bundle, deps.prefix, deps.view.observeKeys([recordKey])?.[recordKey]);
  let observed = deps.view.observeKeys(keys);
  // A commit whose outcome was unknown: when the plan after it finds everything in place, it applied.
  let timedOut: Commit | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const decision = planBundle(bundle, observed, ctx);
    const settled = settledWithoutWrite(decision, deps.metrics);
    if (settled !== undefined) return settled;
    switch (decision.kind) {
      case 'upToDate':
        if (timedOut !== undefined) return appliedAfterAll(timedOut, decision.revision, bundleKey, deps, driftFight);
        deps.metrics.etcdTxns.inc({ result: 'unchanged' });
        return { kind: 'committed', revision: decision.revision, members: decision.members, wrote: false, pruned: decision.pruned };
      case 'needsRead':
        observed = await read(deps, decision.keys);
        continue;
      case 'commit': {
        const deferred = decision.cause === 'correctDrift' ? deferredCorrection(driftFight, bundleKey, `members of ${bundleKey}`, deps.metrics) : undefined;
        if (deferred !== undefined) return deferred;
        const result = await execute(bundle, ctx.fence, decision, observed, deps);
        if (result.kind === 'replan') {
          observed = result.observed;
          ctx = { ...ctx, fence: result.fence };
          timedOut = result.unknown === true ? decision : undefined;
          continue;
        }
        if (result.outcome.kind === 'committed' && result.outcome.driftCorrected === true) driftFight.corrected(bundleKey);
        return result.outcome;
      }
    }
  }
  return { kind: 'transient', reason: COMPARE_FAILED, message: `the members' keys kept changing during ${MAX_ATTEMPTS} attempts; retrying` };
}

/**
 * The outcome of a transaction whose answer was lost but which the plan after it found applied: a
 * write of ours (the entry's isAlreadyApplied in commit-entry.ts), reported as such, a drift
 * correction included (its metric, its event and the drift fight count it as when the answer came).
 */
function appliedAfterAll(decision: Commit, revision: string, bundleKey: string, deps: BundleReconcileDeps, driftFight: DriftFight): BundleOutcome {
  if (decision.driftCorrected) {
    deps.metrics.drift.inc({ action: 'corrected' });
    driftFight.corrected(bundleKey);
  }
  return { kind: 'committed', revision, members: decision.members, wrote: true, driftCorrected: decision.driftCorrected, pruned: decision.pruned };
}

async function read(deps: BundleReconcileDeps, keys: readonly string[]): Promise<KeyStates> {
  return (await timed(deps.metrics, 'etcd_read', () => deps.store.readKeys(keys))).keys;
}

async function execute(bundle: ConfigBundle, fence: Fence, decision: Commit, before: KeyStates | undefined, deps: BundleReconcileDeps): Promise<Executed> {
  const { txn } = decision;
  const announced = announcePuts(deps.view, txn, decision.dataHashes);
  let result;
  try {
    result = await timed(deps.metrics, 'etcd_txn', () => deps.store.commit(txn));
  } catch (error) {
    announced.settle();
    if (!deps.isOutcomeUnknown(error)) throw error;
    deps.metrics.etcdTxns.inc({ result: 'outcome_unknown' });
    deps.log.warn({ members: decision.members.length, fence: fence.revision }, 'bundle commit outcome unknown; moving the fence, then reading etcd before any retry');
    const moved = await deps.fencing.supersede(fence);
    return { kind: 'replan', observed: await read(deps, txn.readBackOnFailure.slice(1)), fence: moved, unknown: true };
  }
  if (result.succeeded) {
    deps.metrics.etcdTxns.inc({ result: 'committed' });
    if (decision.driftCorrected) deps.metrics.drift.inc({ action: 'corrected' });
    recordTxn(deps.view, txn, result.revision, (key) => before?.[key], decision.dataHashes, announced);
    announced.settle();
    return { kind: 'outcome', outcome: { kind: 'committed', revision: result.revision, members: decision.members, wrote: true, driftCorrected: decision.driftCorrected, pruned: decision.pruned } };
  }
  announced.settle();
  deps.metrics.etcdTxns.inc({ result: 'compare_failed' });
  const failure = classifyTxnFailure(result.readBack, fence, decision.pairs, bundle.metadata.uid);
  switch (failure.kind) {
    case 'fencingLost': {
      const moved = await deps.fencing.afterRefusal(fence, failure.fenceNow);
      return { kind: 'replan', observed: result.readBack, fence: moved };
    }
    case 'keyConflict':
      return { kind: 'outcome', outcome: { kind: 'terminal', reason: KEY_CONFLICT, message: failure.message } };
    case 'concurrentChange':
      return { kind: 'replan', observed: result.readBack, fence };
  }
}
