/**
 * The only writer of a ConfigEntry's conditions (after Flux's runtime/conditions setter).
 *
 * Per outcome, as the design's status table says:
 *
 *   outcome        Ready               Reconciling   Stalled       observedGeneration
 *   committed      True Committed      removed       removed       = generation
 *   terminal       False <reason>      removed       True <reason> = generation
 *   transient      False <reason>      True <reason> removed       unchanged
 *   driftReported  False DriftReported removed       True          = generation
 *
 * FieldsPruned (True UnknownFieldsPruned, naming the paths) is set by a commit whose value lost fields
 * its schema does not declare and removed by one that lost none; other outcomes keep it as it is, as
 * they keep status.revision: it describes the value etcd holds. Ready stays True beside it.
 *
 * Guarantees: lastTransitionTime moves only when a condition's status changes; messages are cut to
 * MAX_CONDITION_MESSAGE_LENGTH; Reconciling and Stalled are never both present; conditions of other
 * types are kept; the result is deterministic (fixed order), so `statusEquals` decides whether a
 * patch is needed. Times are RFC 3339 at second precision, as the apiserver stores them.
 */
import type { Condition, ConfigEntryStatus } from '../api/config-entry.ts';
import type { ConfigSchemaStatus, SchemaVersionStatus } from '../api/config-schema.ts';
import {
  COMMITTED,
  DRIFT_REPORTED,
  FIELDS_PRUNED,
  READY,
  RECONCILING,
  SCHEMA_READY,
  STALLED,
  UNKNOWN_FIELDS_PRUNED,
  type ConditionStatus,
} from '../api/conditions.ts';
import { MAX_CONDITION_MESSAGE_LENGTH } from '../api/names.ts';
import { canonicalJson } from './canonical.ts';
import type { BundleOutcome, Outcome } from './outcome.ts';
import type { ConfigBundleStatus } from '../api/config-bundle.ts';
import { formatTime } from './stored-meta.ts';
import { describePruned, NOTHING_PRUNED } from './pruned-fields.ts';

export type { Outcome } from './outcome.ts';

export interface StatusContext {
  /** metadata.generation of the entry the outcome is about. */
  readonly generation: number;
  readonly now: Date;
}

interface Wanted {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

const ORDER = [READY, RECONCILING, STALLED];

/**
 * A ConfigSchema's status after one reconcile: `ready` settles Ready=True; `terminal` and `transient`
 * set conditions exactly as for an entry. The version states and the entry count are the
 * reconcile's observations and are written as given (the count also while failing).
 */
export type SchemaOutcome =
  | { readonly kind: 'ready'; readonly message: string; readonly versions: readonly SchemaVersionStatus[] }
  | { readonly kind: 'terminal' | 'transient'; readonly reason: string; readonly message: string; readonly versions?: readonly SchemaVersionStatus[] };

export function nextSchemaStatus(
  current: ConfigSchemaStatus | undefined,
  outcome: SchemaOutcome,
  observed: { readonly entries: number; readonly servedVersions: string },
  ctx: StatusContext,
): ConfigSchemaStatus {
  const { set, remove } =
    outcome.kind === 'ready'
      ? { set: [want(READY, 'True', SCHEMA_READY, outcome.message)], remove: [RECONCILING, STALLED] }
      : conditionsFor({ kind: outcome.kind, reason: outcome.reason, message: outcome.message });
  const status: ConfigSchemaStatus = {
    ...(current ?? {}),
    conditions: applyConditions(current?.conditions ?? [], set, remove, ctx),
    entries: observed.entries,
    servedVersions: observed.servedVersions,
  };
  if (outcome.versions !== undefined) status.versions = outcome.versions.map((v) => ({ ...v, ...(v.message === undefined ? {} : { message: truncateMessage(v.message) }) }));
  if (outcome.kind !== 'transient') status.observedGeneration = ctx.generation;
  return status;
}

/** The status after `outcome`. Pure; `current` is not modified. */
export function nextStatus(current: ConfigEntryStatus | undefined, outcome: Outcome, ctx: StatusContext): ConfigEntryStatus {
  const base: ConfigEntryStatus = { ...(current ?? {}) };
  const { set, remove } = conditionsFor(outcome);
  const settles = outcome.kind === 'committed' || outcome.kind === 'terminal' || outcome.kind === 'driftReported';
  const status: ConfigEntryStatus = {
    ...base,
    conditions: applyConditions(base.conditions ?? [], set, remove, ctx),
  };
  if (settles) status.observedGeneration = ctx.generation;
  if (outcome.kind === 'committed') {
    status.key = outcome.key;
    status.revision = outcome.revision;
    status.dataHash = outcome.dataHash;
    status.schema = outcome.schema;
  }
  return status;
}

/** A ConfigBundle's status after `outcome`: conditions as an entry's; a commit records the revision and every member. */
export function nextBundleStatus(current: ConfigBundleStatus | undefined, outcome: BundleOutcome, ctx: StatusContext): ConfigBundleStatus {
  const { set, remove } = conditionsFor(outcome);
  const status: ConfigBundleStatus = { ...(current ?? {}), conditions: applyConditions(current?.conditions ?? [], set, remove, ctx) };
  if (outcome.kind !== 'transient') status.observedGeneration = ctx.generation;
  if (outcome.kind === 'committed') {
    status.revision = outcome.revision;
    status.members = outcome.members.map((m) => ({ ...m }));
    status.memberCount = outcome.members.length;
  }
  return status;
}

function conditionsFor(outcome: Outcome | BundleOutcome): { set: Wanted[]; remove: string[] } {
  switch (outcome.kind) {
    case 'committed': {
      const what = 'key' in outcome ? `committed to ${outcome.key}` : `committed ${outcome.members.length} members`;
      const ready = want(READY, 'True', COMMITTED, `${what} at revision ${outcome.revision}`);
      const pruned = outcome.pruned ?? NOTHING_PRUNED;
      if (pruned.count === 0) return { set: [ready], remove: [RECONCILING, STALLED, FIELDS_PRUNED] };
      return { set: [ready, want(FIELDS_PRUNED, 'True', UNKNOWN_FIELDS_PRUNED, describePruned(pruned))], remove: [RECONCILING, STALLED] };
    }
    case 'terminal':
      return {
        set: [want(READY, 'False', outcome.reason, outcome.message), want(STALLED, 'True', outcome.reason, outcome.message)],
        remove: [RECONCILING],
      };
    case 'transient':
      return {
        set: [want(READY, 'False', outcome.reason, outcome.message), want(RECONCILING, 'True', outcome.reason, outcome.message)],
        remove: [STALLED],
      };
    case 'driftReported':
      return {
        set: [want(READY, 'False', DRIFT_REPORTED, outcome.message), want(STALLED, 'True', DRIFT_REPORTED, outcome.message)],
        remove: [RECONCILING],
      };
  }
}

function want(type: string, status: ConditionStatus, reason: string, message: string): Wanted {
  return { type, status, reason, message: truncateMessage(message) };
}

function applyConditions(
  existing: readonly Condition[],
  set: readonly Wanted[],
  remove: readonly string[],
  ctx: StatusContext,
): Condition[] {
  const byType = new Map(existing.map((c) => [c.type, c]));
  for (const type of remove) byType.delete(type);
  for (const w of set) {
    const old = byType.get(w.type);
    const lastTransitionTime = old !== undefined && old.status === w.status ? old.lastTransitionTime : formatTime(ctx.now);
    byType.set(w.type, { ...w, observedGeneration: ctx.generation, lastTransitionTime });
  }
  return [...byType.values()].sort((a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type));
}

function rank(type: string): number {
  const i = ORDER.indexOf(type);
  return i === -1 ? ORDER.length : i;
}

/** A message cut to MAX_CONDITION_MESSAGE_LENGTH characters, ending in `...` when cut (never mid code point). */
export function truncateMessage(message: string, max: number = MAX_CONDITION_MESSAGE_LENGTH): string {
  if (message.length <= max) return message;
  const points = Array.from(message);
  let out = '';
  for (const p of points) {
    if (out.length + p.length > max - 3) break;
    out += p;
  }
  return `${out}...`;
}

type AnyStatus = ConfigEntryStatus | ConfigSchemaStatus | ConfigBundleStatus;

/** True when the two statuses are the same JSON (so no patch is needed). */
export function statusEquals(a: AnyStatus | undefined, b: AnyStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

/** The condition of `type`, if present. */
export function findCondition(status: AnyStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}
