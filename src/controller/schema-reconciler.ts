/**
 * Reconcile one ConfigSchema, by name, level-based (reads the informer's cache, never the event):
 *
 *   embedded schema   created when absent, put back when edited (keep-embedded.ts); then as below
 *
 *   finalizer state   step
 *   released          forget its compiled versions
 *   finalizing        entries still name it: Stalled SchemaInUse naming them (their changes queue it
 *                     again); none: unpublish P/schemas/<name>/, forget, remove the finalizer
 *   needsFinalizer    add the finalizer, then as active
 *   active            judge every version (compile, generate the policies); a refusal is Stalled with
 *                     the path; else apply each served version's policies and bindings, the
 *                     entries' and the bundle members' (server-side apply, owned by the
 *                     ConfigSchema), refuse on a type-check warning of the applied generation or an
 *                     apply the apiserver refuses for good (Stalled with its message), publish the
 *                     served versions (one guarded txn), mark them Ready in the registry (which
 *                     queues the entries that waited), then Ready; a policy not yet type-checked
 *                     is looked at again a few times (recheckTypes). A removed version entries still
 *                     name stays published, and the schema is Stalled SchemaInUse until they move.
 *
 * Contract: returns what the queue should do next; never throws (errors go through error-policy).
 * Nothing is written while this replica holds no fence: it is checked at the start and again before
 * every apiserver write (finalizers, policies, status), since a replica can be deposed while it awaits.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type ConfigSchema, parseConfigSchema } from '../api/config-schema.ts';
import { POLICY_REFUSED, SCHEMA_IN_USE } from '../api/conditions.ts';
import { SCHEMA_CONTROLLER_NAME, SCHEMA_FINALIZER } from '../api/names.ts';
import { type SchemaOutcome, nextSchemaStatus, statusEquals } from '../domain/conditions.ts';
import { CairnError, TerminalError } from '../domain/errors.ts';
import { finalizerState, withFinalizer, withoutFinalizer } from '../domain/finalizer.ts';
import { judgeVersions } from '../domain/judge-schema.ts';
import { typeCheckOf } from '../domain/policy-type-check.ts';
import { schemaKey } from '../domain/keys.ts';
import type { PublishedVersion } from '../domain/plan-schema.ts';
import type { Fence } from '../domain/types.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { EmbeddedConfigSchema } from '../schemas/embedded-config-schemas.ts';
import { keepEmbedded } from './keep-embedded.ts';
import { type PublishDeps, publishSchema } from './publish-schema.ts';
import type { AdmissionPolicies, EntriesUsing, SchemaCache, SchemaWriter } from './schema-ports.ts';
import type { SchemaRegistry } from './schema-registry.ts';
import { runReconcile } from './run-reconcile.ts';
import type { ProcessResult } from './work-queue.ts';

const DONE: ProcessResult = { kind: 'done' };
/** Looks at a policy not yet type-checked at most this many times per schema generation... */
export const TYPE_RECHECKS = 3;
/** ...the first this long after Ready, each next one twice as long after (2, 4, 8 s). */
export const TYPE_RECHECK_MS = 2000;
/** How many entries a SchemaInUse message names before `and N more`. */
const NAMED_ENTRIES = 10;

export interface SchemaReconcileDeps extends PublishDeps {
  readonly cache: SchemaCache;
  readonly writer: SchemaWriter;
  readonly policies: AdmissionPolicies;
  readonly registry: SchemaRegistry;
  /** The embedded schemas' ConfigSchemas the operator keeps, by name (empty: it keeps none). */
  readonly embedded: ReadonlyMap<string, EmbeddedConfigSchema>;
  readonly entriesUsing: EntriesUsing;
  readonly now: () => Date;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export class SchemaReconciler {
  private readonly deps: SchemaReconcileDeps;
  /** Schemas Ready with a policy not yet type-checked: how many looks were spent on which generation (bounded by the schemas). */
  private readonly typeRechecks = new Map<string, { generation: number; done: number }>();

  constructor(deps: SchemaReconcileDeps) {
    this.deps = deps;
  }

  async reconcile(name: string): Promise<ProcessResult> {
    const { deps } = this;
    const fence = deps.fencing.current();
    if (fence === undefined) return DONE;
    const cached = deps.cache.get(name);
    const embedded = deps.embedded.get(name);
    if (cached === undefined) {
      deps.registry.forget(name);
      this.typeRechecks.delete(name);
    }
    if (cached === undefined && embedded === undefined) return DONE;
    const log = deps.log.child({ controller: SCHEMA_CONTROLLER_NAME, key: name, reconcileID: randomUUID() });
    const steps = async (): Promise<ProcessResult> => {
      if (embedded !== undefined && (await keepEmbedded(cached, embedded, deps.writer, log))) return DONE;
      return cached === undefined ? DONE : this.steps(cached, fence, log);
    };
    return runReconcile(SCHEMA_CONTROLLER_NAME, { metrics: deps.metrics, log }, steps, (status) => (cached === undefined ? Promise.resolve() : this.report(cached, status, fence)));
  }

  private async steps(cached: ConfigSchema, fence: Fence, log: Logger): Promise<ProcessResult> {
    const parsed = parseConfigSchema(cached);
    if (!parsed.ok) throw new TerminalError('InvalidSpec', `the object is not a valid ConfigSchema: ${parsed.message}`);
    let schema = parsed.schema;
    const name = schema.metadata.name;
    const users = this.deps.entriesUsing(name);
    switch (finalizerState(schema.metadata, SCHEMA_FINALIZER)) {
      case 'released':
        this.deps.registry.forget(name);
        return DONE;
      case 'finalizing':
        return this.finalize(schema, users, fence, log);
      case 'needsFinalizer':
        if (!this.leads(fence)) return DONE;
        schema = await this.setFinalizers(schema, withFinalizer(schema.metadata.finalizers, SCHEMA_FINALIZER));
        break;
      case 'active':
        break;
    }
    const verdict = judgeVersions(schema, (id, openAPIV3Schema) => this.deps.registry.compile(id, openAPIV3Schema));
    const versions = verdict.versions.map(({ name: v, state, message }) => ({ name: v, state, ...(message === undefined ? {} : { message }) }));
    if (verdict.refusal !== undefined) {
      this.deps.registry.setNotReady(name, verdict.refusal.message);
      await this.report(schema, { kind: 'terminal', ...verdict.refusal, versions }, fence);
      return DONE;
    }
    const served = verdict.versions.filter((v) => v.admission !== undefined);
    const notTypeChecked: string[] = [];
    const relook = this.isTypeRelook(schema);
    for (const v of served) {
      const refuse = async (why: string): Promise<ProcessResult> => {
        const message = `${v.name}: ${why}`;
        this.deps.registry.setNotReady(name, message);
        await this.report(schema, { kind: 'terminal', reason: POLICY_REFUSED, message, versions }, fence);
        return DONE;
      };
      for (const objects of v.admission ?? []) {
        const named = objects.policy.metadata.name;
        if (!this.leads(fence)) return DONE;
        // A re-look for the type check reads what this generation applied: an apply makes the
        // apiserver compile every expression of the policy again (seconds for a large one), and would
        // hold a shutdown that long. Gone meanwhile: applied again.
        const looked = relook ? await this.deps.policies.getPolicy(named) : undefined;
        const policy = looked ?? (await this.deps.policies.apply(objects.policy).catch((error: unknown) => refusedBy(error)));
        if ('refused' in policy) return refuse(`the apiserver refused the admission policy ${named}: ${policy.refused}`);
        const typeCheck = typeCheckOf(policy);
        if (typeCheck.kind === 'warns') return refuse(`the apiserver's type check of the admission policy ${named} warns: ${typeCheck.warnings.join('; ')}`);
        if (typeCheck.kind === 'notYet' && !notTypeChecked.includes(v.name)) notTypeChecked.push(v.name);
        if (looked !== undefined) continue; // a re-look applies nothing, its binding included
        if (!this.leads(fence)) return DONE;
        const binding = await this.deps.policies.apply(objects.binding).catch((error: unknown) => refusedBy(error));
        if ('refused' in binding) return refuse(`the apiserver refused the admission policy's binding ${objects.binding.metadata.name}: ${binding.refused}`);
      }
    }
    if (!this.leads(fence)) return DONE;
    await this.deps.policies.deleteOtherVersions(name, served.map((v) => v.name));
    const declared = new Set(schema.spec.versions.map((v) => v.name));
    const removedInUse = [...users].filter(([version]) => !declared.has(version));
    const keep = new Set(removedInUse.map(([version]) => schemaKey(this.deps.prefix, name, version)));
    const wrote = await publishSchema(name, served.map((v) => v.published as PublishedVersion), keep, fence, this.deps);
    if (wrote) log.info({ versions: served.map((v) => v.name) }, 'published');
    this.deps.registry.setReady(name, served.map((v) => v.name));
    const ready = versions.map((v) => (v.state === 'Pending' ? { ...v, state: 'Ready' as const } : v));
    if (removedInUse.length > 0) {
      const message = `version(s) ${removedInUse.map(([v]) => v).join(', ')} were removed but are still used by ${describeUsers(new Map(removedInUse))}`;
      await this.report(schema, { kind: 'terminal', reason: SCHEMA_IN_USE, message, versions: ready }, fence);
      return DONE;
    }
    await this.report(schema, { kind: 'ready', message: `serving ${served.map((v) => `${name}@${v.name}`).join(', ') || 'no version'}`, versions: ready }, fence);
    return this.recheckTypes(schema, notTypeChecked, log);
  }

  /** Whether this pass is one of recheckTypes' re-looks at the generation whose policies were applied. */
  private isTypeRelook(schema: ConfigSchema): boolean {
    const pending = this.typeRechecks.get(schema.metadata.name);
    return pending !== undefined && pending.generation === (schema.metadata.generation ?? 0) && pending.done >= 1 && pending.done <= TYPE_RECHECKS;
  }

  /**
   * Ready does not wait for the apiserver's type check (kube-controller-manager's policy status
   * controller writes it, after our apply; a cluster without that controller never does, and a schema
   * must not stay unready there). A policy not yet type-checked is looked at again, at most
   * TYPE_RECHECKS times per schema generation (doubling from TYPE_RECHECK_MS): a warning that arrives
   * meanwhile turns the schema Stalled; after the last look the schema stays Ready, not type-checked.
   */
  private recheckTypes(schema: ConfigSchema, notTypeChecked: readonly string[], log: Logger): ProcessResult {
    const { name, generation = 0 } = schema.metadata;
    const pending = this.typeRechecks.get(name);
    if (notTypeChecked.length === 0) {
      this.typeRechecks.delete(name);
      return DONE;
    }
    const done = pending?.generation === generation ? pending.done : 0;
    if (done >= TYPE_RECHECKS) {
      if (done === TYPE_RECHECKS) log.info({ versions: notTypeChecked }, 'the admission policy was not type-checked (no ValidatingAdmissionPolicy status controller answered); Ready without it');
      this.typeRechecks.set(name, { generation, done: TYPE_RECHECKS + 1 });
      return DONE;
    }
    this.typeRechecks.set(name, { generation, done: done + 1 });
    return { kind: 'requeueAfter', afterMs: TYPE_RECHECK_MS * 2 ** done };
  }

  private async finalize(schema: ConfigSchema, users: ReadonlyMap<string, readonly string[]>, fence: Fence, log: Logger): Promise<ProcessResult> {
    const name = schema.metadata.name;
    if (users.size > 0) {
      await this.report(schema, { kind: 'terminal', reason: SCHEMA_IN_USE, message: `deletion waits: still used by ${describeUsers(users)}` }, fence);
      return DONE;
    }
    await publishSchema(name, [], new Set(), fence, this.deps);
    this.deps.registry.forget(name);
    // Nothing published means no fenced transaction ran: without this, a replica deposed meanwhile
    // would remove the finalizer on its successor's watch.
    if (!this.leads(fence)) return DONE;
    await this.setFinalizers(schema, withoutFinalizer(schema.metadata.finalizers, SCHEMA_FINALIZER));
    log.info('finalized');
    return DONE;
  }

  /**
   * Whether this replica still holds `fence` (or a later move of it). Checked before every write to
   * the apiserver, which no etcd fence guards: a replica deposed while it awaited (the Lease lost, a
   * rolling update's new replica leading) leaves finalizers, policies and status to its successor.
   * A check, not a lock: a write already sent when the Lease is lost still lands (its successor's
   * takeover reconciles every schema again, and the last write of the leader wins).
   */
  private leads(fence: Fence): boolean {
    return this.deps.fencing.stillHolds(fence);
  }

  private async setFinalizers(schema: ConfigSchema, finalizers: string[]): Promise<ConfigSchema> {
    const { name, resourceVersion } = schema.metadata;
    const updated = await this.deps.writer.setFinalizers(name, finalizers, resourceVersion ?? '');
    this.deps.cache.replaceIfUnchanged(name, resourceVersion, updated);
    const parsed = parseConfigSchema(updated);
    return parsed.ok ? parsed.schema : schema;
  }

  /** Writes the status `outcome` deserves, if it changed and this replica still holds `fence` (or a later move of it). */
  private async report(schema: ConfigSchema, outcome: SchemaOutcome, fence: Fence): Promise<void> {
    const { name, resourceVersion, generation } = schema.metadata;
    const users = this.deps.entriesUsing(name);
    const observed = {
      entries: [...users.values()].reduce((n, list) => n + list.length, 0),
      servedVersions: schema.spec.versions.filter((v) => v.served !== false).map((v) => v.name).join(','),
    };
    const next = nextSchemaStatus(schema.status, outcome, observed, { generation: generation ?? 0, now: this.deps.now() });
    if (statusEquals(schema.status, next) || !this.leads(fence)) return;
    const updated = await this.deps.writer.patchStatus(name, next, resourceVersion ?? '');
    this.deps.cache.replaceIfUnchanged(name, resourceVersion, updated);
  }
}

/** `ConfigEntry ns/a (@v1), ConfigBundle ns/b (@v1), ...`: the users, by version, at most NAMED_ENTRIES of them. */
function describeUsers(users: ReadonlyMap<string, readonly string[]>): string {
  const all = [...users].flatMap(([version, users]) => users.map((u) => `${u} (@${version})`)).sort();
  const named = all.slice(0, NAMED_ENTRIES).join(', ');
  return all.length > NAMED_ENTRIES ? `${named} and ${all.length - NAMED_ENTRIES} more` : named;
}

/**
 * An apply the apiserver refused for good (a 4xx but 409 and 429: 422 for a policy whose CEL it does
 * not compile, 403 without the RBAC) as `{ refused: message }`: retrying cannot help until the schema
 * or the cluster changes, so the schema is Stalled with the apiserver's message (the error policy
 * writes no status for a failed Kubernetes request). Any other error is rethrown (503: retried).
 */
function refusedBy(error: unknown): { refused: string } {
  if (error instanceof CairnError && error.fromKubernetesApi && error.failureClass === 'terminal') return { refused: error.message };
  throw error;
}

