/**
 * After a guarded transaction: why it failed, and whether a commit with an unknown outcome (timeout)
 * already happened. Pure functions over what the etcd adapter read back.
 */
import type { EntryKeys } from './keys.ts';
import type { Owner } from './decision.ts';
import { metaRecordOf } from './key-state.ts';
import { describeOwner, ownerOf } from './stored-meta.ts';
import type { Fence, KeyState, ObservedKeys } from './types.ts';

export type TxnFailure =
  /** P/fence moved: another leader took over. Stop writing; do not retry here. */
  | { readonly kind: 'fencingLost'; readonly message: string; /** The fence key as the transaction read it back. */ readonly fenceNow: KeyState }
  /** The meta key now belongs to another entry (or is unreadable): Stalled, KeyConflict. */
  | { readonly kind: 'keyConflict'; readonly owner: Owner | undefined; readonly message: string }
  /** The keys changed but nothing forbids trying again: plan again from the read-back at once. */
  | { readonly kind: 'concurrentChange'; readonly message: string };

const ABSENT: KeyState = { exists: false };

/** The fence key as `readBack` holds it. */
export function fenceIn(readBack: Readonly<Record<string, KeyState>>, fence: Fence): KeyState {
  return readBack[fence.key] ?? ABSENT;
}

/** Why the fence in `readBack` is no longer `fence` (another leader took over), or undefined while it holds. */
export function fenceLost(readBack: Readonly<Record<string, KeyState>>, fence: Fence): string | undefined {
  const fenceNow = fenceIn(readBack, fence);
  if (fenceNow.exists && fenceNow.modRevision === fence.revision) return undefined;
  const now = fenceNow.exists ? `is at revision ${fenceNow.modRevision}` : 'is gone';
  return `${fence.key} ${now}, not ${fence.revision}: another leader took over`;
}

/**
 * Classifies a failed transaction from its read-back (fence first, then ownership of each key pair
 * in order). Assumes the transaction was planned for `keys` (one entry's pair, or every member's of a
 * bundle) with `fence`, and read back those keys.
 */
export function classifyTxnFailure(
  readBack: Readonly<Record<string, KeyState>>,
  fence: Fence,
  keys: EntryKeys | readonly EntryKeys[],
  uid: string,
): TxnFailure {
  const lost = fenceLost(readBack, fence);
  if (lost !== undefined) return { kind: 'fencingLost', message: lost, fenceNow: fenceIn(readBack, fence) };
  const pairs: readonly EntryKeys[] = Array.isArray(keys) ? keys : [keys as EntryKeys];
  for (const pair of pairs) {
    const meta = readBack[pair.meta] ?? ABSENT;
    if (!meta.exists) continue;
    const stored = metaRecordOf(meta);
    if (typeof stored === 'string') {
      return { kind: 'keyConflict', owner: undefined, message: `${pair.meta} holds a record Cairn cannot read` };
    }
    if (stored.uid !== uid) {
      const owner = ownerOf(stored);
      return { kind: 'keyConflict', owner, message: `${pair.data} is owned by ${describeOwner(owner)}` };
    }
  }
  const what = pairs.length === 1 ? `${pairs[0]?.data} or ${pairs[0]?.meta}` : `keys of the ${pairs.length} members`;
  return { kind: 'concurrentChange', message: `${what} changed since they were read` };
}

/** The read-back of a failed transaction as an observation to plan again from, without another read. */
export function observedFromReadBack(
  readBack: Readonly<Record<string, KeyState>>,
  keys: EntryKeys,
  revision: string,
): ObservedKeys {
  return { data: readBack[keys.data] ?? ABSENT, meta: readBack[keys.meta] ?? ABSENT, revision };
}

/**
 * After a commit whose outcome is unknown (timeout), given a fresh read: the data key's mod_revision
 * when etcd already holds exactly this commit's value owned by `uid`, else undefined (safe to retry:
 * the retried transaction's compares still guard it).
 */
export function isAlreadyApplied(observed: ObservedKeys, uid: string, dataHash: string): string | undefined {
  const { data, meta } = observed;
  if (!meta.exists || !data.exists) return undefined;
  const stored = metaRecordOf(meta);
  if (typeof stored === 'string' || stored.uid !== uid || stored.dataHash !== dataHash) return undefined;
  return data.hash === dataHash ? data.modRevision : undefined;
}
