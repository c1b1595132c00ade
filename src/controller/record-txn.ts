/**
 * How a reconcile tells the store view about its own transactions (entries and bundles alike): the
 * puts it is about to send (so their watch events are not taken for someone else's change), and
 * what a successful one wrote (so the next plan needs neither the watch nor a read).
 *
 * Each put's value is hashed at most once per transaction: a data hash the plan already computed is
 * taken as it is, any other (a meta record) is hashed when announced and that hash is what is
 * recorded.
 */
import { sha256 } from '../domain/canonical.ts';
import type { GuardedTxn, KeyState } from '../domain/types.ts';
import type { StoreView } from './ports.ts';

/** The puts of one transaction as announced to the view: their hashes by key, and how to withdraw them. */
export interface AnnouncedPuts {
  readonly hashes: ReadonlyMap<string, string>;
  /** Withdraws every announcement (call it once the transaction settled). */
  settle(): void;
}

/** Announces every put of `txn` to the view with its hash: `known` (data hashes the plan already computed) or hashed now. */
export function announcePuts(view: StoreView, txn: GuardedTxn, known: ReadonlyMap<string, string>): AnnouncedPuts {
  const hashes = new Map<string, string>();
  for (const op of txn.operations) {
    if (op.kind !== 'put') continue;
    const hash = known.get(op.key) ?? sha256(op.value);
    hashes.set(op.key, hash);
    view.expect(op.key, hash);
  }
  return { hashes, settle: () => hashes.forEach((_, key) => view.settle(key)) };
}

/**
 * Records what a successful `txn` wrote at `revision`: deletes as absent, puts with the hash they
 * were announced with (`announced.hashes`). A value the plan already hashed (`known`: data) is not
 * kept; other values (meta records) are, as the view keeps small meta records. `before` gives each
 * key's create_revision when it existed.
 */
export function recordTxn(
  view: StoreView,
  txn: GuardedTxn,
  revision: string,
  before: (key: string) => KeyState | undefined,
  known: ReadonlyMap<string, string>,
  announced: Pick<AnnouncedPuts, 'hashes'>,
): void {
  for (const op of txn.operations) {
    if (op.kind === 'delete') {
      view.record(op.key, { exists: false }, revision);
      continue;
    }
    const prior = before(op.key);
    const createRevision = prior?.exists ? prior.createRevision : revision;
    const hash = announced.hashes.get(op.key) ?? sha256(op.value);
    const state: KeyState = known.has(op.key) ? { exists: true, hash, modRevision: revision, createRevision } : { exists: true, value: op.value, hash, modRevision: revision, createRevision };
    view.record(op.key, state, revision);
  }
}
