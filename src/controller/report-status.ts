/**
 * The status step: the outcome becomes conditions (domain/conditions.ts owns them), written once and
 * only when they changed, with an Event when the transition deserves one.
 */
import type { ConfigEntry } from '../api/config-entry.ts';
import { nextStatus, statusEquals } from '../domain/conditions.ts';
import { eventsFor } from '../domain/events.ts';
import type { Outcome } from '../domain/outcome.ts';
import type { Logger } from 'pino';
import { type ReconcileDeps, timed } from './context.ts';
import type { Fence } from '../domain/types.ts';

/**
 * Writes the status `outcome` deserves, if it changed, and only while this replica still holds
 * `fence` or a later move of it (a deposed leader writes nothing, status included) and only over the
 * version of the entry it read (the apiserver refuses the patch otherwise).
 */
export async function reportStatus(entry: ConfigEntry, outcome: Outcome, deps: ReconcileDeps, log: Logger, fence: Fence): Promise<void> {
  const { name, namespace } = entry.metadata;
  const next = nextStatus(entry.status, outcome, { generation: entry.metadata.generation ?? 0, now: deps.now() });
  if (statusEquals(entry.status, next)) return;
  if (!deps.fencing.stillHolds(fence)) return;
  const updated = await timed(deps.metrics, 'status_patch', () => deps.writer.patchStatus(namespace, name, next, entry.metadata.resourceVersion ?? ''));
  // So a reconcile that runs before the watch delivers our write does not write the same status again.
  deps.cache.replaceIfUnchanged(`${namespace}/${name}`, entry.metadata.resourceVersion, updated);
  for (const event of eventsFor(entry.status, next, outcome)) deps.events.record(entry, event);
  if (outcome.kind === 'committed' && outcome.wrote) log.info({ revision: outcome.revision, dataHash: outcome.dataHash }, 'committed');
  else if (outcome.kind === 'terminal' || outcome.kind === 'driftReported') log.info({ reason: outcome.kind === 'terminal' ? outcome.reason : 'DriftReported', message: outcome.message }, 'not committed');
  else if (outcome.kind === 'transient') log.warn({ reason: outcome.reason, message: outcome.message }, 'will retry');
}
