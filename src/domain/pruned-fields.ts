/**
 * Fields of a value that its schema does not declare, and that validation therefore pruned (as a CRD
 * prunes unknown fields): they are not stored. A misspelt field (`prot: 5432` beside a defaulted
 * `port`) ends up here, so the entry's status and an Event can name it (domain/conditions.ts,
 * domain/events.ts). The paths come from the one validation that prunes (validate.ts, the schema
 * engine's warnings); nothing here decides what is unknown.
 *
 * Guarantees: pure; a summary names at most MAX_PRUNED_NAMED paths, each cut to MAX_PRUNED_PATH_LENGTH
 * characters (in a fixed order, so the same
 * spec gives the same summary and the same message, every time), counts all of them, and is the shared
 * NOTHING_PRUNED when there are none (what a verdict cache holds per entry costs nothing then).
 */

/** How many pruned paths a summary (and so a condition or Event message) names; the rest are counted. */
export const MAX_PRUNED_NAMED = 10;

/** What was pruned from a value (or from a bundle's members), for status and Events. */
export interface PrunedFields {
  /** The first MAX_PRUNED_NAMED paths, as the apiserver names them (`spec.data.prot`, `spec.members[1].data.x`). */
  readonly paths: readonly string[];
  /** How many fields were pruned in all. */
  readonly count: number;
}

export const NOTHING_PRUNED: PrunedFields = Object.freeze({ paths: Object.freeze([]) as readonly string[], count: 0 });

/**
 * The summary of `paths`, each path once, in the order given: validate.ts gives a value's paths
 * sorted, a bundle its members' in spec order, so one spec always gives one summary.
 */
export function summarizePruned(paths: readonly string[]): PrunedFields {
  if (paths.length === 0) return NOTHING_PRUNED;
  return { paths: paths.slice(0, MAX_PRUNED_NAMED).map(cutPath), count: paths.length };
}

/** Longest path a summary keeps whole: a field name can be as long as the data (256 KiB), and a summary lives in the verdict cache for the entry's life. */
export const MAX_PRUNED_PATH_LENGTH = 256;

function cutPath(path: string): string {
  return path.length <= MAX_PRUNED_PATH_LENGTH ? path : `${path.slice(0, MAX_PRUNED_PATH_LENGTH)}...`;
}

/**
 * One line for people, paths first (so a column or a cut message still names them):
 * `spec.data.prot: unknown field, not declared by the schema; pruned, not stored`, or
 * `spec.data.a, spec.data.b and 3 more: unknown fields, ...`. Empty for NOTHING_PRUNED.
 */
export function describePruned(pruned: PrunedFields): string {
  if (pruned.count === 0) return '';
  const more = pruned.count - pruned.paths.length;
  const named = more > 0 ? `${pruned.paths.join(', ')} and ${more} more` : pruned.paths.join(', ');
  const what = pruned.count === 1 ? 'unknown field' : 'unknown fields';
  return `${named}: ${what}, not declared by the schema; pruned, not stored`;
}
