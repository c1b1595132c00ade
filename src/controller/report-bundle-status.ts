/**
 * The status step of a bundle: the outcome becomes conditions (domain/conditions.ts owns them),
 * written once and only when they changed, only while this replica still holds `fence` (or a later
 * move of it) and only over
 * the version of the bundle it read, with an Event when the transition deserves one (as
 * report-status.ts does for an entry).
 */
import type { Logger } from 'pino';
import { BUNDLE_KIND } from '../api/names.ts';
import type { ConfigBundle } from '../api/config-bundle.ts';
import { nextBundleStatus, statusEquals } from '../domain/conditions.ts';
import { eventsFor } from '../domain/events.ts';
import type { BundleOutcome } from '../domain/outcome.ts';
import type { Fence } from '../domain/types.ts';
import type { BundleReconcileDeps } from './bundle-ports.ts';
import { timed } from './context.ts';

export async function reportBundleStatus(bundle: ConfigBundle, outcome: BundleOutcome, deps: BundleReconcileDeps, log: Logger, fence: Fence): Promise<void> {
  const { name, namespace, resourceVersion } = bundle.metadata;
  const next = nextBundleStatus(bundle.status, outcome, { generation: bundle.metadata.generation ?? 0, now: deps.now() });
  if (statusEquals(bundle.status, next)) return;
  if (!deps.fencing.stillHolds(fence)) return;
  const updated = await timed(deps.metrics, 'status_patch', () => deps.writer.patchStatus(namespace, name, next, resourceVersion ?? ''));
  deps.cache.replaceIfUnchanged(`${namespace}/${name}`, resourceVersion, updated);
  for (const event of eventsFor(bundle.status, next, outcome)) deps.events.record({ ...bundle, kind: BUNDLE_KIND }, event);
  if (outcome.kind === 'committed' && outcome.wrote) log.info({ revision: outcome.revision, members: outcome.members.length }, 'committed');
  else if (outcome.kind === 'terminal' || outcome.kind === 'driftReported') log.info({ reason: outcome.kind === 'terminal' ? outcome.reason : 'DriftReported', message: outcome.message }, 'not committed');
  else if (outcome.kind === 'transient') log.warn({ reason: outcome.reason, message: outcome.message }, 'will retry');
}
