/**
 * Who uses which version of a schema: ConfigEntries by their `spec.schema`, ConfigBundles by their
 * members' (a bundle counts once per version, however many of its members name it). A schema, or a
 * version of it, waits to be deleted while it has users (schema-reconciler.ts).
 *
 * Guarantees: names are `Kind namespace/name`, so a message can list entries and bundles together;
 * an object being deleted still uses what it names until it is gone, as the entry manager counts it.
 */
import type { ConfigBundle } from '../api/config-bundle.ts';
import { splitSchemaId } from '../api/names.ts';

/** Users of one schema, by version. */
export type SchemaUsers = ReadonlyMap<string, readonly string[]>;

/** The schema ids a bundle's members name. */
export function schemaIdsOfBundle(bundle: ConfigBundle | undefined): Set<string> {
  return new Set((bundle?.spec.members ?? []).map((m) => m.schema));
}

/**
 * The schema names to look at again after a bundle changed from `before` to `after`: those whose
 * ids it gained or lost (whole ids: a move to another version counts), and all it names when it
 * starts being deleted or is gone (a schema waiting for its last user goes on then).
 */
export function schemaNamesWhoseUseChanged(before: ConfigBundle | undefined, after: ConfigBundle | undefined): Set<string> {
  const [was, is] = [schemaIdsOfBundle(before), schemaIdsOfBundle(after)];
  const ending = after === undefined || (after.metadata.deletionTimestamp !== undefined && before?.metadata.deletionTimestamp === undefined);
  const changed = ending ? [...was, ...is] : [...was].filter((id) => !is.has(id)).concat([...is].filter((id) => !was.has(id)));
  return new Set(changed.flatMap((id) => {
    const split = splitSchemaId(id);
    return split === undefined ? [] : [split.name];
  }));
}

/** Adds `user` to the versions of `schemaName` that `ids` name. */
export function addUses(users: Map<string, string[]>, schemaName: string, ids: Iterable<string>, user: string): void {
  for (const id of ids) {
    const split = splitSchemaId(id);
    if (split?.name !== schemaName) continue;
    const list = users.get(split.version);
    if (list === undefined) users.set(split.version, [user]);
    else if (!list.includes(user)) list.push(user);
  }
}

/** One map of users from several (entries', bundles'). */
export function mergeUsers(...sources: SchemaUsers[]): Map<string, string[]> {
  const merged = new Map<string, string[]>();
  for (const source of sources) {
    for (const [version, users] of source) merged.set(version, [...(merged.get(version) ?? []), ...users]);
  }
  return merged;
}

/** `namespace/name` users (the entry manager's keys) as `Kind namespace/name`. */
export function ofKind(kind: string, users: SchemaUsers): Map<string, string[]> {
  return new Map([...users].map(([version, names]) => [version, names.map((n) => `${kind} ${n}`)]));
}

/** What the schema controller asks of the bundle controller (started after it: looked up when needed). */
export interface BundleSchemaUse {
  usersOf(schemaName: string): SchemaUsers;
  queueNaming(schemaName: string): void;
}
