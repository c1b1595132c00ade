/**
 * Leadership: whether this replica may write, as one epoch per Lease held.
 *
 * Holding the Lease starts an epoch; the epoch's takeover acquires the fence in etcd (a put of
 * `P/fence` conditional on the fence revision last seen, retried with etcd's answer when the fence
 * moved meanwhile; every commit then compares its mod_revision), lets the store view
 * see that revision (so nothing the previous leader wrote is missing from it), then queues every
 * entry. Losing the Lease ends the epoch: whatever its takeover was waiting for (the fence, the
 * view, a retry timer) is abandoned, and a later Lease starts a fresh epoch with its own takeover.
 * A fence that moves to a revision that is not ours, seen on the etcd watch or by a failed commit,
 * is fencing lost: the epoch stops writing at once and, if it still holds the Lease a Lease duration
 * later, fences again.
 *
 * After a write whose outcome is unknown, the leader moves its own fence (`supersede`): a put of the
 * fence conditional on the fence it holds, within the same epoch. Once that put is in etcd, no
 * transaction sent under the old fence can apply any more (each compares the old revision), so a
 * read that follows sees every such transaction that will ever apply. Without it, a transaction a
 * paused member held could apply after its keys were created and deleted again: its "absent"
 * compares hold again (ABA; chaos seed 953901). The fences of one takeover and its moves form one
 * lineage, held without interruption: writes and status under any of them still speak for this
 * leader (`stillHolds`), and a transaction refused because the fence moved to a later fence of the
 * lineage is retried under it (`afterRefusal`), not taken for fencing lost.
 *
 * Guarantees:
 * - `fence` is defined only within an epoch (this replica holds the Lease), and only while no newer
 *   fence than the one it holds has been seen.
 * - Within an epoch, fencing is retried until it holds: after a failed acquisition with exponential
 *   backoff (capped, jittered), after etcd found the fence moved since we saw it at once (whatever
 *   failed before; a refusal right after a refusal with the backoff), after fencing lost no sooner
 *   than `refenceAfterMs`. Steps of an ended epoch do
 *   nothing, so an old takeover can never leave a newer epoch without a fence; and since each put is
 *   conditional on the fence last seen, a delayed put of an ended epoch cannot move a fence another
 *   replica took after it was sent.
 * - `onLeadingChanged(true)` once a fence is held, `(false)` when it is dropped (fencing lost, Lease
 *   lost, stop, a move that failed); `onFenced` once per completed takeover (not per move).
 * - Moves are coalesced: callers whose transactions were sent under the same fence share one move;
 *   a caller whose fence was already moved past gets the newer fence at once. The new fence is
 *   adopted before anything the watch says about the fence key is judged: a fence change seen while
 *   a move is in flight (perhaps the move itself, its answer still on the way) is judged once the
 *   move's answer is in. A move etcd refuses (another process moved the fence) is fencing lost; a
 *   move that fails or whose own outcome is unknown drops the fence, and the epoch takes over again
 *   from the fence it held, as after a failed acquisition (nothing is written meanwhile: a
 *   transaction under the old fence could still apply); but if a fence of another holder past the
 *   one moved from was seen meanwhile (watch or read-back), that is fencing lost (no quick retake).
 * - `stalled()` says when the Lease has been held longer than `fenceDeadlineMs` without a fence and
 *   without etcd failing a fence attempt meanwhile: liveness reports it, so a replica that could fence
 *   but does not stops blocking one that could. Time in which etcd refuses (transient errors) is not a
 *   stall: restarting replicas while etcd is down only churns the Lease.
 *
 * Assumptions: the elector calls leaseAcquired/leaseLost on its transitions; the store watch passes
 * every change of the fence key, and every full read, to observeStoreChange/observeStoreSnapshot.
 */
import type { Logger } from 'pino';
import { classifyError, FenceUnavailableError, FencingLostError } from '../domain/errors.ts';
import { compareRevisions, type Fence, type FenceAcquisition, type KeyState } from '../domain/types.ts';
import { type Clock, systemClock } from './clock.ts';

/** The store view, as far as a takeover needs it. */
export interface FenceView {
  /** From now on, trust the view only once it has seen `revision`. */
  requireRevision(revision: string): void;
  readonly isCaughtUp: boolean;
}

export interface LeadershipTiming {
  /** First retry after a failed fence acquisition; doubles per consecutive failure. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** After fencing lost, fence again no sooner than this (a Lease duration: the elector knows by then). */
  readonly refenceAfterMs: number;
  /** How long a takeover waits for the store view to see its fence before queueing anyway. */
  readonly catchUpMs: number;
  readonly catchUpPollMs: number;
  /** Holding the Lease this long without a fence is a stall (liveness fails). */
  readonly fenceDeadlineMs: number;
}

export const DEFAULT_TIMING: LeadershipTiming = { retryBaseMs: 1_000, retryMaxMs: 30_000, refenceAfterMs: 15_000, catchUpMs: 10_000, catchUpPollMs: 20, fenceDeadlineMs: 60_000 };

export interface LeadershipOptions {
  readonly fenceKey: string;
  /** The holder this replica's fence puts name (`acquireFence`'s record): a fence naming another is not ours. */
  readonly identity: string;
  /** Puts the fence if its mod_revision is still `seen` ('0': absent): see the Store port. */
  readonly acquireFence: (seen: string) => Promise<FenceAcquisition>;
  readonly view: FenceView;
  /** A takeover completed: queue every entry. */
  readonly onFenced: (fence: Fence) => void;
  readonly onLeadingChanged: (leading: boolean) => void;
  /** A write of this replica was refused because another process moved the fence (its read-back names another holder, or no fence). */
  readonly onRefusedByAnother?: () => void;
  readonly log: Logger;
  readonly timing?: Partial<LeadershipTiming>;
  readonly clock?: Clock;
  /** In [0, 1): jitter of retry delays. */
  readonly random?: () => number;
}

/** A fence taken by a takeover, and the fences it moved to since: one lineage, held without interruption. */
class Held {
  fence: Fence;
  /** The takeover's fence revision: every fence of this lineage is at or after it (revisions only grow). */
  readonly since: string;
  /** The move in flight from `fence`, which every caller joins; it settles to the new fence or undefined. */
  moving: Promise<Fence | undefined> | undefined;
  /** A fence past `fence` that another holder put (or a deletion), seen while the move was in flight. */
  foreignDuringMove: string | undefined;

  constructor(fence: Fence) {
    this.fence = fence;
    this.since = fence.revision;
  }

  /** Whether `fence` is this lineage's fence now or was one of it before a move. */
  includes(fence: Fence): boolean {
    return fence.key === this.fence.key && compareRevisions(fence.revision, this.since) >= 0 && compareRevisions(fence.revision, this.fence.revision) <= 0;
  }
}

/** One Lease held: cancelled when the Lease is lost. */
class Epoch {
  private readonly controller = new AbortController();
  private cancelTimer: (() => void) | undefined;
  held: Held | undefined;
  /** Since when this epoch has held the Lease without a fence, or since etcd last failed a fence attempt (clock ms). */
  unfencedSince: number;
  /** Consecutive failures to fence, for the backoff. */
  failures = 0;
  /** Whether the last fence attempt was refused because the fence had moved: a refusal right after another waits out the backoff. */
  refusedLast = false;
  /** Why the last fence of this epoch was dropped: taken by another process, or our own move failed. */
  dropped: 'lost' | 'moveFailed' | undefined;
  readonly number: number;

  constructor(number: number, now: number) {
    this.number = number;
    this.unfencedSince = now;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /** Runs `step` after `ms` unless the epoch ends first; replaces a pending step. */
  later(clock: Clock, ms: number, step: () => void): void {
    this.cancelTimer?.();
    this.cancelTimer = clock.after(ms, () => {
      this.cancelTimer = undefined;
      if (!this.cancelled) step();
    });
  }

  cancel(): void {
    this.cancelTimer?.();
    this.controller.abort();
  }
}

export class Leadership {
  private readonly options: LeadershipOptions;
  private readonly timing: LeadershipTiming;
  private readonly clock: Clock;
  private readonly random: () => number;
  private epoch: Epoch | undefined;
  private epochs = 0;
  /** The newest revision at which the fence key was seen to change (put or delete). */
  private newestFence = '0';
  /** The fence key's mod_revision as last seen (watch, full read or a refused acquisition); '0': absent. */
  private fenceSeen = '0';
  private stopped = false;

  constructor(options: LeadershipOptions) {
    this.options = options;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** This replica's fencing token while it leads and no newer fence has been seen. */
  get fence(): Fence | undefined {
    return this.epoch?.held?.fence;
  }

  /** Whether this replica has held a fence without interruption since `fence` (it, or a later move of it). */
  stillHolds(fence: Fence): boolean {
    return this.epoch?.held?.includes(fence) === true;
  }

  /**
   * After a write under `stale` whose outcome is unknown, before etcd is read again: moves this
   * leader's fence past `stale` (or joins the move in flight), so that no transaction comparing it
   * can apply any more, and returns the fence to write under from now on.
   * Errors: FencingLostError when another process took the fence (the move refused, or a newer fence
   * seen) or the Lease is lost; FenceUnavailableError when this replica's own move failed (the epoch
   * fences again and queues every entry) or `stale` is of an earlier lineage of this epoch.
   */
  async supersede(stale: Fence): Promise<Fence> {
    const epoch = this.epoch;
    const held = epoch?.held;
    if (epoch === undefined || held === undefined || !held.includes(stale)) throw this.notHeld(stale);
    if (compareRevisions(held.fence.revision, stale.revision) > 0) return held.fence; // moved since: nothing comparing `stale` can apply
    held.moving ??= this.move(epoch, held);
    const moved = await held.moving;
    if (moved === undefined) throw this.notHeld(stale);
    return moved;
  }

  /**
   * A transaction under `fence` failed its fence compare and read the fence key back as `fenceNow`:
   * the later fence of the same lineage this replica moved to (once a move in flight has settled),
   * under which the caller plans again.
   * The read-back is an observation of the fence key, as the watch's are, and may be ahead of the
   * watch: a fence newer than the one this replica moved to, or a deleted fence, is proof that another
   * process took over, so it is fencing lost even when our own move was granted (the moved fence is
   * handed back only when the read-back is no newer than it).
   * Errors: as `supersede`'s (FencingLostError: another process took the fence; FenceUnavailableError:
   * this replica is fencing again on its own). A read-back naming another holder (or none) is
   * reported (`onRefusedByAnother`), whatever this replica's state; one naming this replica is not.
   */
  async afterRefusal(fence: Fence, fenceNow: KeyState): Promise<Fence> {
    if (!fenceNow.exists || holderOf(fenceNow.value) !== this.options.identity) this.options.onRefusedByAnother?.();
    const held = this.epoch?.held;
    if (fenceNow.exists) this.observeFence(fenceNow.modRevision, holderOf(fenceNow.value));
    if (held === undefined || !held.includes(fence)) throw this.notHeld(fence);
    if (held.moving !== undefined) await held.moving;
    const epoch = this.epoch;
    if (epoch === undefined || epoch.held !== held) throw this.notHeld(fence);
    const ours = fenceNow.exists && compareRevisions(fenceNow.modRevision, held.fence.revision) <= 0; // newer: judged by observeFence or the move
    if (ours && compareRevisions(held.fence.revision, fence.revision) > 0) return held.fence;
    // Our moves only put the fence: a deleted one is another process's doing, whenever it came.
    this.loseFence(epoch, `a transaction under revision ${fence.revision} read back ${fence.key} ${fenceNow.exists ? `at revision ${fenceNow.modRevision}` : 'deleted'}`);
    throw this.notHeld(fence);
  }

  /** Why this replica does not hold `fence`'s lineage now, as the error its callers throw. */
  private notHeld(fence: Fence): FencingLostError | FenceUnavailableError {
    const epoch = this.epoch;
    const what = `${fence.key} at revision ${fence.revision} is no longer this replica's fence`;
    if (epoch === undefined) return new FencingLostError(`${what}: not leading`);
    if (epoch.held !== undefined) return new FenceUnavailableError(`${what}: written under an earlier fence of this replica, which holds revision ${epoch.held.fence.revision} now`);
    if (epoch.dropped === 'moveFailed') return new FenceUnavailableError(`${what}: this replica could not move its fence and is fencing again`);
    return new FencingLostError(`${what}: another process took the fence`);
  }

  /** The elector says this replica holds the Lease: a fresh epoch and its takeover. */
  leaseAcquired(): void {
    if (this.stopped) return;
    if (this.epoch) this.end(this.epoch, 'a new epoch began');
    const epoch = new Epoch(++this.epochs, this.clock.now());
    this.epoch = epoch;
    this.options.log.info({ epoch: epoch.number }, 'holding the lease: fencing etcd');
    void this.takeOver(epoch);
  }

  /** The elector says the Lease is no longer ours: stop writing at once; the epoch's steps are abandoned. */
  leaseLost(): void {
    if (this.epoch) this.end(this.epoch, 'lost the lease');
  }

  /** A change the etcd watch delivered; only the fence key matters here. */
  observeStoreChange(change: { readonly type: 'put' | 'delete'; readonly key: string; readonly value?: string; readonly modRevision: string }): void {
    if (change.key !== this.options.fenceKey) return;
    this.fenceSeen = change.type === 'put' ? change.modRevision : '0';
    this.observeFence(change.modRevision, change.type === 'put' ? holderOf(change.value) : '(deleted)');
  }

  /**
   * A full read of the prefix: the fence as it was then. An absent fence key is not taken as news (a
   * read filtered to data and meta keys looks the same); a deleted fence fails the next commit.
   */
  observeStoreSnapshot(snapshot: { readonly keys: readonly { readonly key: string; readonly state: KeyState }[] }): void {
    const fence = snapshot.keys.find((k) => k.key === this.options.fenceKey)?.state;
    if (!fence?.exists) return;
    this.fenceSeen = fence.modRevision;
    this.observeFence(fence.modRevision, holderOf(fence.value));
  }

  /** Why this replica is stuck (Lease held too long without a fence), or undefined. */
  stalled(): string | undefined {
    const epoch = this.epoch;
    if (epoch === undefined || epoch.held !== undefined) return undefined;
    const unfencedMs = this.clock.now() - epoch.unfencedSince;
    if (unfencedMs <= this.timing.fenceDeadlineMs) return undefined;
    return `held the lease for ${Math.round(unfencedMs / 1000)}s without a fence`;
  }

  /** Ends leadership for good: no epoch, no fence, later Lease acquisitions ignored. */
  stop(): void {
    this.stopped = true;
    if (this.epoch) this.end(this.epoch, 'stopping');
  }

  private async takeOver(epoch: Epoch): Promise<void> {
    let acquisition: FenceAcquisition;
    try {
      acquisition = await this.options.acquireFence(this.fenceSeen);
    } catch (error) {
      if (epoch.cancelled) return;
      epoch.refusedLast = false;
      // etcd could not take the fence (down, no quorum, outcome unknown): waiting for etcd is not a
      // stall, and a restart would not help; count the stall from the last attempt etcd failed.
      if (classifyError(error) === 'transient') epoch.unfencedSince = this.clock.now();
      const delay = this.backoff(epoch);
      this.options.log.warn({ err: error, epoch: epoch.number, retryInMs: delay }, 'could not acquire the fence; retrying');
      epoch.later(this.clock, delay, () => void this.takeOver(epoch));
      return;
    }
    if (epoch.cancelled) return; // the Lease was lost meanwhile; a newer epoch fences for itself
    if (!acquisition.acquired) {
      this.fenceMovedUnseen(epoch, acquisition.current);
      return;
    }
    epoch.refusedLast = false;
    const fence = acquisition.fence;
    if (compareRevisions(this.newestFence, fence.revision) > 0) {
      this.retakeLater(epoch, `the fence moved past ours (${fence.revision}) before we held it`);
      return;
    }
    const held = new Held(fence);
    epoch.held = held;
    this.sawOwnFence(fence);
    this.options.view.requireRevision(fence.revision);
    this.options.onLeadingChanged(true);
    const caughtUp = await this.viewSees(epoch, held);
    if (epoch.cancelled || epoch.held !== held) return;
    epoch.failures = 0;
    this.options.log.info({ epoch: epoch.number, fence: held.fence.revision, viewCaughtUp: caughtUp }, 'leading: fence acquired');
    this.options.onFenced(held.fence);
  }

  /**
   * Puts the fence again, conditional on `held.fence`: the move `supersede` waits for. Adopts the new
   * fence on success; on a refusal (someone else moved it) fencing is lost; on an error (etcd down,
   * or the move's own outcome unknown) the fence is dropped and the epoch takes over again from it.
   */
  private async move(epoch: Epoch, held: Held): Promise<Fence | undefined> {
    const from = held.fence;
    held.foreignDuringMove = undefined;
    let acquisition: FenceAcquisition;
    try {
      acquisition = await this.options.acquireFence(from.revision);
    } catch (error) {
      held.moving = undefined;
      if (epoch.cancelled || epoch.held !== held) return undefined;
      if (held.foreignDuringMove !== undefined) {
        // Whether or not our move applied, another process fenced after `from`: retaking now would
        // knock it off; the elector knows within a Lease duration whether the Lease is still ours.
        this.loseFence(epoch, `the move failed after the etcd watch saw another holder's fence at revision ${held.foreignDuringMove}`);
        return undefined;
      }
      const delay = this.backoff(epoch);
      this.options.log.warn({ err: error, epoch: epoch.number, fence: from.revision, retryInMs: delay }, 'could not move the fence after an unknown outcome; writing nothing until fenced again');
      this.dropFence(epoch, 'moveFailed'); // the stall count starts now
      epoch.later(this.clock, delay, () => void this.takeOver(epoch));
      return undefined;
    }
    held.moving = undefined;
    if (epoch.cancelled || epoch.held !== held) return undefined;
    if (!acquisition.acquired) {
      if (compareRevisions(acquisition.current, this.fenceSeen) > 0) this.fenceSeen = acquisition.current;
      this.loseFence(epoch, `the fence moved to revision ${acquisition.current} before this replica could move it`);
      return undefined;
    }
    const fence = acquisition.fence;
    held.fence = fence;
    this.sawOwnFence(fence);
    if (compareRevisions(this.newestFence, fence.revision) > 0) {
      this.loseFence(epoch, `the etcd watch saw the fence move to revision ${this.newestFence}, past ours (${fence.revision})`);
      return undefined;
    }
    this.options.log.info({ epoch: epoch.number, from: from.revision, fence: fence.revision }, 'moved the fence after an unknown outcome: nothing sent under the old one can apply');
    return fence;
  }

  /** etcd put our fence at `fence`: the fence key is at least there (a later acquisition compares it). */
  private sawOwnFence(fence: Fence): void {
    if (compareRevisions(fence.revision, this.fenceSeen) > 0) this.fenceSeen = fence.revision;
  }

  /**
   * Waits (bounded) until the store view has seen `fence`; planning from a caught-up view costs no
   * reads, and until then each entry reads etcd (still correct). False when the wait timed out.
   */
  private async viewSees(epoch: Epoch, held: Held): Promise<boolean> {
    const deadline = this.clock.now() + this.timing.catchUpMs;
    while (!this.options.view.isCaughtUp && this.clock.now() < deadline) {
      await new Promise<void>((resolve) => this.clock.after(this.timing.catchUpPollMs, resolve));
      if (epoch.cancelled || epoch.held !== held) return false;
    }
    return this.options.view.isCaughtUp;
  }

  private observeFence(revision: string, holder: string): void {
    if (compareRevisions(revision, this.newestFence) > 0) this.newestFence = revision;
    const epoch = this.epoch;
    const held = epoch?.held;
    if (epoch === undefined || held === undefined || compareRevisions(revision, held.fence.revision) <= 0) return;
    if (held.moving !== undefined) {
      // Perhaps our own move, its answer on the way: the move judges it. Another holder's fence is
      // remembered, so a move that then fails does not take the fence back from it at once.
      if (holder !== this.options.identity) held.foreignDuringMove = revision;
      return;
    }
    this.loseFence(epoch, `the etcd watch saw the fence move to revision ${revision} (holder ${holder})`);
  }

  private loseFence(epoch: Epoch, why: string): void {
    this.options.log.warn({ epoch: epoch.number, fence: epoch.held?.fence.revision, why }, 'fencing lost: another process took over the store');
    this.dropFence(epoch, 'lost');
    this.retakeLater(epoch, why);
  }

  /**
   * etcd refused our fence put: the fence is at `current`, not where we last saw it (a fence we had
   * not seen yet, or a delayed put of an abandoned takeover). Holding the Lease, we may take over from
   * whoever wrote it: at once the first time, then with the backoff (no hot loop against a writer).
   */
  private fenceMovedUnseen(epoch: Epoch, current: string): void {
    const seen = this.fenceSeen;
    this.fenceSeen = current;
    // The refusal names the fence to fence from: the first one is retried at once whatever failed
    // before it (an outage, our own failed move), only a refusal right after a refusal backs off.
    const retryNow = !epoch.refusedLast;
    epoch.refusedLast = true;
    const delay = retryNow ? 0 : this.backoff(epoch);
    this.options.log.info({ epoch: epoch.number, seen, current, retryInMs: delay }, 'the fence moved since this replica last saw it; fencing again');
    if (!retryNow) {
      epoch.later(this.clock, delay, () => void this.takeOver(epoch));
      return;
    }
    epoch.failures += 1;
    void this.takeOver(epoch);
  }

  /** Fences again after a Lease duration, if this epoch still holds the Lease then. */
  private retakeLater(epoch: Epoch, why: string): void {
    const delay = Math.max(this.timing.refenceAfterMs, this.backoff(epoch));
    this.options.log.info({ epoch: epoch.number, why, retryInMs: delay }, 'fencing again later if still holding the lease');
    epoch.later(this.clock, delay, () => void this.takeOver(epoch));
  }

  private dropFence(epoch: Epoch, why: 'lost' | 'moveFailed'): void {
    if (epoch.held === undefined) return;
    epoch.held = undefined;
    epoch.dropped = why;
    epoch.unfencedSince = this.clock.now();
    this.options.onLeadingChanged(false);
  }

  private end(epoch: Epoch, why: string): void {
    epoch.cancel();
    this.dropFence(epoch, 'lost');
    if (this.epoch === epoch) this.epoch = undefined;
    this.options.log.warn({ epoch: epoch.number, why }, 'stopped leading');
  }

  /** The delay before the next attempt, counting one more failure: base·2^n, capped, 50–100% jitter. */
  private backoff(epoch: Epoch): number {
    const ceiling = Math.min(this.timing.retryMaxMs, this.timing.retryBaseMs * 2 ** Math.min(epoch.failures, 30));
    epoch.failures += 1;
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }
}

function holderOf(value: string | undefined): string {
  try {
    const holder = (JSON.parse(value ?? '') as { holder?: unknown }).holder;
    return typeof holder === 'string' ? holder : '(unknown)';
  } catch {
    return '(unreadable)';
  }
}
