/**
 * The bundles' part of the workload: which keys each bundle may hold, and how a new generation
 * changes its members (adds, changes, removes some, keeps others as they were).
 */
import type { RateLimits } from './expected.ts';
import { SCHEMA } from './observed.ts';
import type { Prng } from './prng.ts';

export interface BundleMember {
  readonly key: string;
  readonly schema: string;
  readonly data: unknown;
}

/**
 * The member keys bundle `index` may hold: four of its own; bundles 0–3 also one key shared with
 * their neighbour (b-0 with b-1, b-2 with b-3: one owner at a time, the other Stalled KeyConflict),
 * and bundle 0 the key of the last entry (`k/<entries-1>`), so that a bundle and an entry contend.
 */
export function bundleKeyPool(index: number, entries: number): string[] {
  const own = Array.from({ length: 4 }, (_, m) => `b/${index}/${m}`);
  const shared = index < 4 ? [`bshared/${Math.floor(index / 2)}`] : [];
  const entryKey = index === 0 && entries > 0 ? [`k/${entries - 1}`] : [];
  return [...own, ...shared, ...entryKey];
}

/** The next generation's members, in pool order: each current one kept, changed or removed; others added now and then; never none. */
export function nextMembers(rng: Prng, pool: readonly string[], current: readonly BundleMember[], data: () => RateLimits): BundleMember[] {
  const now = new Map(current.map((m) => [m.key, m]));
  const next: BundleMember[] = [];
  for (const key of pool) {
    const member = now.get(key);
    if (member === undefined) {
      if (rng.chance(current.length === 0 ? 0.5 : 0.25)) next.push({ key, schema: SCHEMA, data: data() });
    } else if (!rng.chance(0.2)) {
      next.push(rng.chance(0.5) ? { key, schema: SCHEMA, data: data() } : member);
    }
  }
  if (next.length === 0) next.push({ key: rng.pick(pool), schema: SCHEMA, data: data() });
  return next;
}
