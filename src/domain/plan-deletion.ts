/**
 * planDeletion: what to do with etcd when an entry with Cairn's finalizer is being deleted.
 *
 * Guarantees:
 * - Only keys whose meta names this entry's uid are touched, and only while the meta key is as
 *   observed and the fence is this leader's (the transaction compares both).
 * - `Delete` removes data and meta in one transaction; `Retain` removes meta only (releasing
 *   ownership), leaving the value for plain etcd readers.
 * - A key owned by another entry, an unowned value, or an invalid key yields `nothingOurs`: the
 *   finalizer can go, nothing is written.
 *
 * Assumptions: deletion never guesses; without an observation it asks for a read.
 *
 * Errors: none thrown.
 */
import type { DeletionDecision, PlanContext } from './decision.ts';
import { resolveEntryKeys } from './entry-keys.ts';
import type { PlanEntry } from './plan.ts';
import { guardAsObserved } from './judge-key.ts';
import { metaRecordOf } from './key-state.ts';
import type { ObservedKeys, Operation } from './types.ts';

export function planDeletion(
  entry: PlanEntry,
  observed: ObservedKeys | undefined,
  ctx: Pick<PlanContext, 'prefix' | 'fence'>,
): DeletionDecision {
  const resolved = resolveEntryKeys(entry, ctx.prefix);
  if (!resolved.ok) return { kind: 'nothingOurs', message: 'the key was never valid, so nothing was written' };
  const keys = resolved.keys;
  if (observed === undefined) return { kind: 'needsRead', keys };

  const meta = observed.meta;
  const stored = meta.exists ? metaRecordOf(meta) : undefined;
  if (stored === 'unknown') return { kind: 'needsRead', keys };
  if (!meta.exists || stored === undefined || stored === 'unreadable' || stored.uid !== entry.metadata.uid) {
    return { kind: 'nothingOurs', message: `${keys.data} is not owned by this entry; nothing to delete` };
  }

  const retain = entry.spec.deletionPolicy === 'Retain';
  const operations: Operation[] = retain
    ? [{ kind: 'delete', key: keys.meta }]
    : [
        { kind: 'delete', key: keys.data },
        { kind: 'delete', key: keys.meta },
      ];
  return {
    kind: 'delete',
    keys,
    retain,
    txn: {
      compares: [
        { kind: 'modRevision', key: ctx.fence.key, equals: ctx.fence.revision },
        guardAsObserved(keys.meta, meta),
      ],
      operations,
      readBackOnFailure: [ctx.fence.key, keys.meta, keys.data],
    },
  };
}
