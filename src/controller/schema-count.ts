/**
 * The ENTRIES count of a ConfigSchema's status, kept apart from the full reconcile: an entry that
 * starts or stops naming a schema changes nothing the full reconcile decides (policies, published
 * versions, conditions) but that count, and at 20 entry creates/s the full path (two server-side
 * applies, a delete of other versions' policies, an etcd scan, a status patch) per create saturated
 * the operator. The schema controller queues this on its own queue, coalesced (see schema-controller.ts).
 *
 * Guarantees: writes at most one status patch, changing only `status.entries`, and only when the
 * count differs from the status and this replica holds the fence; never applies policies, reads etcd
 * or touches the registry. A schema with no status yet is left to its full reconcile (which counts).
 * Returns 'full' when the schema needs the full reconcile instead: a deletion pending (SchemaInUse
 * must name the current users, and the finalizer come off once none remain) or Stalled SchemaInUse
 * (users of a removed version may have moved).
 * Errors: none thrown; a failed patch (a 409 after a concurrent write, an unreachable apiserver) is
 * logged and retried through the queue's rate limiter.
 */
import type { Logger } from 'pino';
import type { ConfigSchema } from '../api/config-schema.ts';
import { SCHEMA_IN_USE } from '../api/conditions.ts';
import type { Fencing } from './ports.ts';
import type { EntriesUsing, SchemaCache, SchemaWriter } from './schema-ports.ts';
import type { ProcessResult } from './work-queue.ts';

export interface EntryCountDeps {
  readonly cache: SchemaCache;
  readonly writer: SchemaWriter;
  readonly entriesUsing: EntriesUsing;
  readonly fencing: Pick<Fencing, 'current' | 'stillHolds'>;
  readonly log: Logger;
}

export async function refreshEntryCount(name: string, deps: EntryCountDeps): Promise<ProcessResult | 'full'> {
  const fence = deps.fencing.current();
  const cached = deps.cache.get(name);
  if (fence === undefined || cached === undefined) return { kind: 'done' };
  if (needsFullReconcile(cached)) return 'full';
  const { status, metadata } = cached;
  if (status === undefined) return { kind: 'done' };
  const entries = [...deps.entriesUsing(name).values()].reduce((n, list) => n + list.length, 0);
  if (status.entries === entries || !deps.fencing.stillHolds(fence)) return { kind: 'done' };
  try {
    const updated = await deps.writer.patchStatus(name, { ...status, entries }, metadata.resourceVersion ?? '');
    deps.cache.replaceIfUnchanged(name, metadata.resourceVersion, updated);
    return { kind: 'done' };
  } catch (error) {
    deps.log.debug({ err: error, key: name }, 'could not patch the entry count of a ConfigSchema; retrying');
    return { kind: 'retry' };
  }
}

/** Whether a change of the schema's users may change more than its count (see the module's contract). */
export function needsFullReconcile(schema: ConfigSchema): boolean {
  if (schema.metadata.deletionTimestamp !== undefined) return true;
  return (schema.status?.conditions ?? []).some((c) => c.type === 'Stalled' && c.status === 'True' && c.reason === SCHEMA_IN_USE);
}
