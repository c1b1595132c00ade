/**
 * Which owners claim which data keys, from the informers' caches: an entry claims one key, a bundle
 * one per member (and those of its last committed generation). Two owners may claim one key (the
 * second is Stalled with KeyConflict); both are listed, so when the owner lets go (deletion), the
 * drift watch's event for that key reconciles the other one, which can then take it.
 *
 * Held per entry watched, so kept small: a single key or a single claimant (the usual case: one
 * entry, one key) is held as the string itself, and a Set only when there are several (a bundle's
 * members, a conflict). A Set per entry and per key cost about 250 bytes per entry (heap snapshot
 * after a bulk of 2,000 entries, bench/restart-cost.ts --heap-snapshots).
 */

/** One string, or a Set of at least two. */
type OneOrMore = string | Set<string>;

function* each(held: OneOrMore | undefined): Iterable<string> {
  if (held === undefined) return;
  if (typeof held === 'string') yield held;
  else yield* held;
}

function holds(held: OneOrMore | undefined, value: string): boolean {
  return held !== undefined && (typeof held === 'string' ? held === value : held.has(value));
}

function countOf(held: OneOrMore | undefined): number {
  return held === undefined ? 0 : typeof held === 'string' ? 1 : held.size;
}

/** `values` without duplicates, as held: undefined when empty, the string alone when one. */
function compact(values: string | readonly string[] | undefined): OneOrMore | undefined {
  if (values === undefined || typeof values === 'string') return values;
  const set = new Set(values);
  return set.size === 0 ? undefined : set.size === 1 ? (values[0] as string) : set;
}

function withValue(held: OneOrMore | undefined, value: string): OneOrMore {
  if (held === undefined || held === value) return value;
  if (typeof held === 'string') return new Set([held, value]);
  return held.add(value);
}

function withoutValue(held: OneOrMore, value: string): OneOrMore | undefined {
  if (typeof held === 'string') return held === value ? undefined : held;
  held.delete(value);
  return held.size === 1 ? (held.values().next().value as string) : held;
}

export class KeyIndex {
  private readonly byDataKey = new Map<string, OneOrMore>();
  private readonly byClaimant = new Map<string, OneOrMore>();
  private readonly onClaimed: (dataKey: string) => void;

  /** `onClaimed` hears of each data key that gains its first claimant. */
  constructor(onClaimed: (dataKey: string) => void = () => {}) {
    this.onClaimed = onClaimed;
  }

  /**
   * Records that `claimant` claims `dataKeys` and nothing else (undefined or empty: it claims
   * nothing, e.g. an invalid key).
   */
  set(claimant: string, dataKeys: string | readonly string[] | undefined): void {
    const wanted = compact(dataKeys);
    const previous = this.byClaimant.get(claimant);
    if (typeof wanted === 'string' && previous === wanted) return; // the usual call: an entry's unchanged key
    if (countOf(previous) === countOf(wanted) && [...each(wanted)].every((k) => holds(previous, k))) return;
    for (const dataKey of each(previous)) if (!holds(wanted, dataKey)) this.drop(claimant, dataKey);
    if (wanted === undefined) this.byClaimant.delete(claimant);
    else this.byClaimant.set(claimant, wanted);
    for (const dataKey of each(wanted)) {
      if (holds(previous, dataKey)) continue;
      const claimants = this.byDataKey.get(dataKey);
      this.byDataKey.set(dataKey, withValue(claimants, claimant));
      if (claimants === undefined) this.onClaimed(dataKey);
    }
  }

  remove(claimant: string): void {
    this.set(claimant, undefined);
  }

  claimants(dataKey: string): readonly string[] {
    return [...each(this.byDataKey.get(dataKey))];
  }

  isClaimed(dataKey: string): boolean {
    return this.byDataKey.has(dataKey);
  }

  private drop(claimant: string, dataKey: string): void {
    const claimants = this.byDataKey.get(dataKey);
    if (claimants === undefined) return;
    const left = withoutValue(claimants, claimant);
    if (left === undefined) this.byDataKey.delete(dataKey);
    else this.byDataKey.set(dataKey, left);
  }
}
