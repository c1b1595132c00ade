/**
 * planPublication: the served versions of a ConfigSchema -> the one guarded transaction that makes
 * `P/schemas/<name>/` hold exactly them, or nothing to do. Pure; the schema reconciler executes it.
 *
 * What a version's key holds (canonical JSON, so readers without Kubernetes access can validate and
 * decode values): `{ id, name, version, deprecated, deprecationWarning?, openAPIV3Schema }`.
 *
 * Guarantees:
 * - One transaction for every change of the schema's keys; it compares the fence (as every commit
 *   does) and each key it touches as observed (`guardAsObserved`, the entry plan's own compare), so a
 *   deposed leader or a stale read can only make it fail, never overwrite a newer write.
 * - A key already holding the same JSON is not written: a resync of a published schema writes nothing.
 * - Keys under the schema's prefix that no wanted version names are deleted, except those in `keep`
 *   (a removed version entries still use stays published until they move).
 *
 * Assumptions: `observed` holds every key under the prefix, read at one revision, with values.
 * Errors: none thrown.
 */
import { canonicalJson, isSameJson } from './canonical.ts';
import { guardAsObserved } from './judge-key.ts';
import type { Fence, GuardedTxn, KeyState, Operation, Compare } from './types.ts';
import { schemaKey } from './keys.ts';

/** One served version as published. */
export interface PublishedVersion {
  readonly name: string;
  readonly version: string;
  readonly deprecated: boolean;
  readonly deprecationWarning?: string | undefined;
  readonly openAPIV3Schema: unknown;
}

export type PublicationDecision = { readonly kind: 'upToDate' } | { readonly kind: 'commit'; readonly txn: GuardedTxn };

/** The canonical JSON stored for one version. */
export function publishedValue(v: PublishedVersion): string {
  return canonicalJson({
    id: `${v.name}@${v.version}`,
    name: v.name,
    version: v.version,
    deprecated: v.deprecated,
    ...(v.deprecationWarning === undefined ? {} : { deprecationWarning: v.deprecationWarning }),
    openAPIV3Schema: v.openAPIV3Schema,
  });
}

export function planPublication(
  prefix: string,
  wanted: readonly PublishedVersion[],
  observed: ReadonlyMap<string, KeyState>,
  keep: ReadonlySet<string>,
  fence: Fence,
): PublicationDecision {
  const compares: Compare[] = [{ kind: 'modRevision', key: fence.key, equals: fence.revision }];
  const operations: Operation[] = [];
  const wantedKeys = new Set<string>();
  for (const version of wanted) {
    const key = schemaKey(prefix, version.name, version.version);
    wantedKeys.add(key);
    const value = publishedValue(version);
    const state = observed.get(key) ?? { exists: false as const };
    if (state.exists && state.value !== undefined && isSameJson(state.value, value)) continue;
    compares.push(guardAsObserved(key, state));
    operations.push({ kind: 'put', key, value });
  }
  for (const [key, state] of [...observed].sort(([a], [b]) => a.localeCompare(b))) {
    if (wantedKeys.has(key) || keep.has(key) || !state.exists) continue;
    compares.push(guardAsObserved(key, state));
    operations.push({ kind: 'delete', key });
  }
  if (operations.length === 0) return { kind: 'upToDate' };
  return { kind: 'commit', txn: { compares, operations, readBackOnFailure: [fence.key] } };
}
