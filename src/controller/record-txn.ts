/**
 * How a reconcile tells the store view about its own transactions (entries and bundles alike): the
 * puts it is about to send (so their watch events are not taken for someone else's change), and
 * what a successful one wrote (so the next plan needs neither the watch nor a read).
 */
import { sha256 } from '../domain/canonical.ts';
import { presentKey } from '../domain/key-state.ts';
import type { GuardedTxn, KeyState } from '../domain/types.ts';
import type { StoreView } from './ports.ts';

/** The hash of a put's value: `known` (data hashes the plan already computed) or hashed now. */
function hashOf(op: { readonly key: string; readonly value: string }, known: ReadonlyMap<string, string>): string {
  return known.get(op.key) ?? sha256(op.value);
}

/** Announces every put of `txn` to the view; the returned function withdraws them (call it once the txn settled). */
export function announcePuts(view: StoreView, txn: GuardedTxn, known: ReadonlyMap<string, string>): () => void {
  const puts = txn.operations.filter((op) => op.kind === 'put');
  for (const op of puts) view.expect(op.key, hashOf(op, known));
  return () => puts.forEach((op) => view.settle(op.key));
}

/**
 * Records what a successful `txn` wrote at `revision`: deletes as absent, puts with their hash (a
 * value the plan already hashed is not hashed again and not kept; meta values are kept, as the view
 * keeps small meta records). `before` gives each key's create_revision when it existed.
 */
export function recordTxn(view: StoreView, txn: GuardedTxn, revision: string, before: (key: string) => KeyState | undefined, known: ReadonlyMap<string, string>): void {
  for (const op of txn.operations) {
    if (op.kind === 'delete') {
      view.record(op.key, { exists: false }, revision);
      continue;
    }
    const prior = before(op.key);
    const createRevision = prior?.exists ? prior.createRevision : revision;
    const hash = known.get(op.key);
    const state: KeyState = hash !== undefined ? { exists: true, hash, modRevision: revision, createRevision } : presentKey(op.value, revision, createRevision);
    view.record(op.key, state, revision);
  }
}
