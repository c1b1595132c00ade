/**
 * Which entries claim which data key, from the informer's cache. Two entries may claim one key (the
 * second is Stalled with KeyConflict); both are listed, so when the owner lets go (deletion), the
 * drift watch's event for that key reconciles the other one, which can then take it.
 */
export class KeyIndex {
  private readonly byDataKey = new Map<string, Set<string>>();
  private readonly byEntry = new Map<string, string>();
  private readonly onClaimed: (dataKey: string) => void;

  /** `onClaimed` hears of each data key that gains its first claimant. */
  constructor(onClaimed: (dataKey: string) => void = () => {}) {
    this.onClaimed = onClaimed;
  }

  /** Records that `entryKey` claims `dataKey` (undefined: it claims nothing, e.g. an invalid key). */
  set(entryKey: string, dataKey: string | undefined): void {
    const previous = this.byEntry.get(entryKey);
    if (previous === dataKey) return;
    if (previous !== undefined) this.remove(entryKey);
    if (dataKey === undefined) return;
    this.byEntry.set(entryKey, dataKey);
    let claimants = this.byDataKey.get(dataKey);
    if (claimants === undefined) this.byDataKey.set(dataKey, (claimants = new Set()));
    claimants.add(entryKey);
    if (claimants.size === 1) this.onClaimed(dataKey);
  }

  remove(entryKey: string): void {
    const dataKey = this.byEntry.get(entryKey);
    if (dataKey === undefined) return;
    this.byEntry.delete(entryKey);
    const claimants = this.byDataKey.get(dataKey);
    claimants?.delete(entryKey);
    if (claimants?.size === 0) this.byDataKey.delete(dataKey);
  }

  claimants(dataKey: string): readonly string[] {
    return [...(this.byDataKey.get(dataKey) ?? [])];
  }

  isClaimed(dataKey: string): boolean {
    return this.byDataKey.has(dataKey);
  }

}
