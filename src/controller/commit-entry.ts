/**
 * The commit step of a live entry: plan from the store view, execute the guarded transaction, and
 * on a failed compare plan again from what the transaction read back; a read happens only when the
 * view cannot tell or a commit's outcome is unknown.
 *
 * Guarantees: at most one transaction per attempt, every one guarded by the fence and the keys as
 * observed; a timed-out commit is followed by a move of this leader's fence and then a read, and
 * counts as committed when etcd already holds exactly its value owned by this entry (so a retry never
 * applies a change twice). Because the fence moved first, the timed-out transaction either shows in
 * that read or can never apply: it cannot come back later, after its keys were created and deleted
 * again, to recreate them ("absent" compares hold again: ABA, chaos seed 953901). A transaction
 * refused because this leader moved its fence meanwhile (another reconcile's unknown outcome) is
 * planned again under the new fence.
 *
 * A correction of drift (driftPolicy Correct) is first asked of the drift fight (drift-fight.ts): an
 * entry whose value keeps being changed outside Cairn waits out a backoff, as a transient DriftFight
 * outcome that says when it may run again, instead of committing.
 *
 * Errors: returns an Outcome for every expected situation. Throws FencingLostError when etcd says
 * another leader took over (reported through deps.fencing), FenceUnavailableError when this leader's
 * own fence move failed (it is fencing again), and the store's own errors otherwise.
 */
import type { ConfigEntry } from '../api/config-entry.ts';
import { COMPARE_FAILED, KEY_CONFLICT } from '../api/conditions.ts';
import type { Outcome } from '../domain/outcome.ts';
import { plan } from '../domain/plan.ts';
import { classifyTxnFailure, isAlreadyApplied, observedFromReadBack } from '../domain/txn-failure.ts';
import type { Decision } from '../domain/decision.ts';
import { resolveEntryKeys } from '../domain/entry-keys.ts';
import { judgeOf } from '../domain/validate.ts';
import type { Fence, ObservedKeys } from '../domain/types.ts';
import { type ReconcileDeps, timed } from './context.ts';
import type { DriftFight } from './drift-fight.ts';
import { announcePuts, recordTxn } from './record-txn.ts';
import { deferredCorrection, settledWithoutWrite } from './settled-outcome.ts';

const MAX_ATTEMPTS = 5;

type DecisionOf<K extends Decision['kind']> = Extract<Decision, { kind: K }>;

export async function commitEntry(entry: ConfigEntry, fence: Fence, deps: ReconcileDeps, driftFight: DriftFight): Promise<Outcome> {
  const entryKey = `${entry.metadata.namespace}/${entry.metadata.name}`;
  const { uid, generation = 0 } = entry.metadata;
  // A verdict already given for this spec by the same judge confirms a value etcd holds without validating again.
  const judge = deps.verdicts === undefined ? undefined : judgeOf(entry.spec.schema, { engineSchemas: deps.engineSchemas });
  const confirmed = judge === undefined ? undefined : deps.verdicts?.confirmed(entryKey, uid, generation, judge);
  let ctx = { prefix: deps.prefix, fence, maxBytes: deps.maxBytes, now: deps.now(), engineSchemas: deps.engineSchemas, confirmed };
  // Plan from the drift watch's view when it can tell; plan() itself decides when it must read.
  const resolved = resolveEntryKeys(entry, deps.prefix);
  let observed = resolved.ok ? deps.view.observe(resolved.keys.data, resolved.keys.meta) : undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const decision = plan(entry, observed, ctx);
    const settled = settledWithoutWrite(decision, deps.metrics);
    if (settled !== undefined) return settled;
    if (judge !== undefined && (decision.kind === 'upToDate' || decision.kind === 'commit')) deps.verdicts?.remember(entryKey, uid, generation, judge, decision);
    switch (decision.kind) {
      case 'upToDate':
        deps.metrics.etcdTxns.inc({ result: 'unchanged' });
        return { kind: 'committed', key: decision.keys.data, revision: decision.revision, dataHash: decision.dataHash, schema: decision.schema, wrote: false, pruned: decision.pruned };
      case 'needsRead':
        observed = await read(deps, decision.keys.data, decision.keys.meta);
        continue;
      case 'commit': {
        const deferred = decision.cause === 'correctDrift' ? deferredCorrection(driftFight, entryKey, decision.keys.data, deps.metrics) : undefined;
        if (deferred !== undefined) return deferred;
        const result = await execute(entry, ctx.fence, decision, observed, deps);
        if (result.kind === 'replan') {
          observed = result.observed;
          ctx = { ...ctx, fence: result.fence };
          continue;
        }
        if (result.outcome.kind === 'committed' && result.outcome.driftCorrected === true) driftFight.corrected(entryKey);
        return result.outcome;
      }
    }
  }
  return { kind: 'transient', reason: COMPARE_FAILED, message: `the keys kept changing during ${MAX_ATTEMPTS} attempts; retrying` };
}

function read(deps: ReconcileDeps, dataKey: string, metaKey: string): Promise<ObservedKeys> {
  return timed(deps.metrics, 'etcd_read', () => deps.store.read(dataKey, metaKey));
}

/** What one transaction came to: an outcome, or a plan again from `observed` under `fence`. */
type Executed = { readonly kind: 'outcome'; readonly outcome: Outcome } | { readonly kind: 'replan'; readonly observed: ObservedKeys; readonly fence: Fence };

async function execute(entry: ConfigEntry, fence: Fence, decision: DecisionOf<'commit'>, before: ObservedKeys | undefined, deps: ReconcileDeps): Promise<Executed> {
  const { keys } = decision;
  const committed = (revision: string): Executed => ({
    kind: 'outcome',
    outcome: { kind: 'committed', key: keys.data, revision, dataHash: decision.dataHash, schema: decision.schema, wrote: true, driftCorrected: decision.cause === 'correctDrift', pruned: decision.pruned },
  });
  // Announce our puts so the drift watch does not mistake their events for someone else's change.
  const known = new Map([[keys.data, decision.dataHash]]);
  const announced = announcePuts(deps.view, decision.txn, known);
  let result;
  try {
    result = await timed(deps.metrics, 'etcd_txn', () => deps.store.commit(decision.txn));
  } catch (error) {
    announced.settle();
    if (!deps.isOutcomeUnknown(error)) throw error;
    deps.metrics.etcdTxns.inc({ result: 'outcome_unknown' });
    deps.log.warn({ key: keys.data, fence: fence.revision }, 'commit outcome unknown; moving the fence, then reading etcd before any retry');
    const moved = await deps.fencing.supersede(fence);
    const observed = await read(deps, keys.data, keys.meta);
    const revision = isAlreadyApplied(observed, entry.metadata.uid, decision.dataHash);
    if (revision === undefined) return { kind: 'replan', observed, fence: moved };
    // Applied after all: counted as the answer would have counted it.
    if (decision.cause === 'correctDrift') deps.metrics.drift.inc({ action: 'corrected' });
    return committed(revision);
  }
  if (result.succeeded) {
    deps.metrics.etcdTxns.inc({ result: 'committed' });
    if (decision.cause === 'correctDrift') deps.metrics.drift.inc({ action: 'corrected' });
    recordTxn(deps.view, decision.txn, result.revision, (key) => (key === keys.data ? before?.data : before?.meta), known, announced);
    announced.settle();
    return committed(result.revision);
  }
  announced.settle();
  deps.metrics.etcdTxns.inc({ result: 'compare_failed' });
  const failure = classifyTxnFailure(result.readBack, fence, keys, entry.metadata.uid);
  switch (failure.kind) {
    case 'fencingLost': {
      const moved = await deps.fencing.afterRefusal(fence, failure.fenceNow);
      return { kind: 'replan', observed: observedFromReadBack(result.readBack, keys, result.revision), fence: moved };
    }
    case 'keyConflict':
      return { kind: 'outcome', outcome: { kind: 'terminal', reason: KEY_CONFLICT, message: failure.message } };
    case 'concurrentChange':
      return { kind: 'replan', observed: observedFromReadBack(result.readBack, keys, result.revision), fence };
  }
}
