/**
 * Which owners claim which data keys, from the informers' caches: an entry claims one key, a bundle
 * one per member (and those of its last committed generation). Two owners may claim one key (the
 * second is Stalled with KeyConflict); both are listed, so when the owner lets go (deletion), the
 * drift watch's event for that key reconciles the other one, which can then take it.
 */
export class KeyIndex {
  private readonly byDataKey = new Map<string, Set<string>>();
  private readonly byClaimant = new Map<string, ReadonlySet<string>>();
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
    const wanted = new Set(dataKeys === undefined ? [] : typeof dataKeys === 'string' ? [dataKeys] : dataKeys);
    const previous = this.byClaimant.get(claimant) ?? new Set<string>();
    if (previous.size === wanted.size && [...wanted].every((k) => previous.has(k))) return;
    for (const dataKey of previous) if (!wanted.has(dataKey)) this.drop(claimant, dataKey);
    if (wanted.size === 0) this.byClaimant.delete(claimant);
    else this.byClaimant.set(claimant, wanted);
    for (const dataKey of wanted) {
      if (previous.has(dataKey)) continue;
      let claimants = this.byDataKey.get(dataKey);
      if (claimants === undefined) this.byDataKey.set(dataKey, (claimants = new Set()));
      claimants.add(claimant);
      if (claimants.size === 1) this.onClaimed(dataKey);
    }
  }

  remove(claimant: string): void {
    this.set(claimant, undefined);
  }

  claimants(dataKey: string): readonly string[] {
    return [...(this.byDataKey.get(dataKey) ?? [])];
  }

  isClaimed(dataKey: string): boolean {
    return this.byDataKey.has(dataKey);
  }

  private drop(claimant: string, dataKey: string): void {
    const claimants = this.byDataKey.get(dataKey);
    claimants?.delete(claimant);
    if (claimants?.size === 0) this.byDataKey.delete(dataKey);
  }
}
