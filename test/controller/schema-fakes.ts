/**
 * Recording fakes for ConfigSchema reconciler scenarios (src/controller/schema-reconciler.ts), on the
 * same ordered call log as the entry fakes (fakes.ts): the ConfigSchemas on the apiserver and the
 * informer's cache of them (always in sync), the admission policies, a schema engine whose verdict a
 * scenario scripts, and the entries that name each schema. etcd is the shared FakeEtcd.
 *
 * For state-machine scenarios only: whether the apiserver accepts a generated policy, and what the
 * real engine says of a schema, are proven on the real parts (test/integration/config-schema,
 * test/integration/parity).
 */
import { pino } from 'pino';
import type { ConfigSchema, ConfigSchemaStatus } from '../../src/api/config-schema.ts';
import { SCHEMA_FINALIZER } from '../../src/api/names.ts';
import type { AdmissionPolicies, SchemaCache, SchemaWriter } from '../../src/controller/schema-ports.ts';
import { SchemaController } from '../../src/controller/schema-controller.ts';
import { SchemaReconciler, type SchemaReconcileDeps } from '../../src/controller/schema-reconciler.ts';
import { SchemaRegistry } from '../../src/controller/schema-registry.ts';
import type { ProcessResult } from '../../src/controller/work-queue.ts';
import { fenceKey } from '../../src/domain/keys.ts';
import type { Fence } from '../../src/domain/types.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { KubeObject } from '../../src/schemas/admission/index.ts';
import type { Compiled, JsonSchema, SchemaEngine } from '../../src/schemas/engine/engine.ts';
import { NOW } from '../unit/fixtures.ts';
import { EtcdOutcomeUnknownError } from '../../src/etcd/errors.ts';
import type { EmbeddedConfigSchema } from '../../src/schemas/embedded-config-schemas.ts';
import { CallLog, DELETED_AT, FakeEtcd, FakeFencing, PREFIX } from './fakes.ts';

/** A schema of a version: its openAPIV3Schema. `REFUSED_BY_ENGINE` in it makes the fake engine refuse it with that message. */
export const REFUSED_BY_ENGINE = 'x-test-refused';

/** The ConfigSchemas on the apiserver, and the informer's cache of them (the same objects: a watch in sync). */
export class FakeSchemaApi implements SchemaCache, SchemaWriter {
  private readonly log: CallLog;
  private readonly objects = new Map<string, ConfigSchema>();
  private resourceVersion = 500;

  constructor(log: CallLog) {
    this.log = log;
  }

  create(object: ConfigSchema): string {
    const created = structuredClone(object);
    created.metadata = { ...created.metadata, resourceVersion: this.nextVersion() };
    this.objects.set(created.metadata.name, created);
    return created.metadata.name;
  }

  /** A spec change by a person: generation moves. */
  updateSpec(name: string, spec: ConfigSchema['spec']): void {
    const object = this.require(name);
    object.spec = structuredClone(spec);
    object.metadata = { ...object.metadata, generation: (object.metadata.generation ?? 0) + 1, resourceVersion: this.nextVersion() };
  }

  /** `kubectl delete`: deletionTimestamp while finalizers remain. */
  markDeleted(name: string): void {
    const object = this.require(name);
    if ((object.metadata.finalizers ?? []).length === 0) return void this.objects.delete(name);
    object.metadata = { ...object.metadata, deletionTimestamp: DELETED_AT, resourceVersion: this.nextVersion() };
  }

  get(name: string): ConfigSchema | undefined {
    const object = this.objects.get(name);
    return object === undefined ? undefined : structuredClone(object);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  replaceIfUnchanged(name: string, fromResourceVersion: string | undefined, object: ConfigSchema): void {
    const cached = this.objects.get(name);
    if (cached === undefined || cached.metadata.resourceVersion !== fromResourceVersion) return;
    this.objects.set(name, structuredClone(object));
  }

  async patchStatus(name: string, status: ConfigSchemaStatus, resourceVersion: string): Promise<ConfigSchema> {
    const object = this.require(name);
    const conflict = object.metadata.resourceVersion !== resourceVersion;
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    const stalled = status.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True');
    this.log.push({ kind: 'call', line: `schema.patchStatus ${stalled ? `Stalled ${stalled.reason}` : `Ready ${ready?.status ?? '?'}`}${conflict ? ': conflict' : ''}` });
    if (conflict) throw new KubeApiError(409, `patch status of configschema ${name}: the object has been modified`, 'Conflict');
    object.status = structuredClone(status);
    object.metadata = { ...object.metadata, resourceVersion: this.nextVersion() };
    return structuredClone(object);
  }

  async setFinalizers(name: string, finalizers: readonly string[], resourceVersion: string): Promise<ConfigSchema> {
    const object = this.require(name);
    this.log.push({ kind: 'call', line: `schema.setFinalizers [${finalizers.join(',')}]` });
    if (object.metadata.resourceVersion !== resourceVersion) throw new KubeApiError(409, `update finalizers of configschema ${name}: the object has been modified`, 'Conflict');
    object.metadata = { ...object.metadata, finalizers: [...finalizers], resourceVersion: this.nextVersion() };
    const returned = structuredClone(object);
    if (object.metadata.deletionTimestamp !== undefined && finalizers.length === 0) this.objects.delete(name);
    return returned;
  }

  async createEmbedded(object: EmbeddedConfigSchema): Promise<ConfigSchema> {
    this.log.push({ kind: 'call', line: `schema.createEmbedded ${object.metadata.name}` });
    const name = this.create({ ...structuredClone(object), metadata: { ...object.metadata, uid: `uid-${object.metadata.name}`, generation: 1 } } as unknown as ConfigSchema);
    return this.require(name);
  }

  async restoreEmbedded(object: EmbeddedConfigSchema, resourceVersion: string): Promise<ConfigSchema> {
    const current = this.require(object.metadata.name);
    this.log.push({ kind: 'call', line: `schema.restoreEmbedded ${object.metadata.name}` });
    if (current.metadata.resourceVersion !== resourceVersion) throw new KubeApiError(409, `restore configschema ${object.metadata.name}: the object has been modified`, 'Conflict');
    current.spec = structuredClone(object.spec) as ConfigSchema['spec'];
    current.metadata = { ...current.metadata, labels: { ...object.metadata.labels }, generation: (current.metadata.generation ?? 0) + 1, resourceVersion: this.nextVersion() };
    return structuredClone(current);
  }

  /** The status on the apiserver. */
  status(name: string): ConfigSchemaStatus | undefined {
    return this.objects.get(name)?.status;
  }

  private require(name: string): ConfigSchema {
    const object = this.objects.get(name);
    if (object === undefined) throw new KubeApiError(404, `configschemas.cairn.dev "${name}" not found`, 'NotFound');
    return object;
  }

  private nextVersion(): string {
    this.resourceVersion += 1;
    return String(this.resourceVersion);
  }
}

/**
 * The apiserver's admission policies, with scripted refusals, and the policy status controller's type
 * check: each apply's answer carries the policy's generation (moved by a change of its spec) and,
 * while `typeChecked`, a status observing that generation with the scripted warning, if any.
 */
export class FakePolicies implements AdmissionPolicies {
  private readonly log: CallLog;
  private readonly failures: KubeApiError[] = [];
  private readonly generations = new Map<string, { spec: string; generation: number }>();
  /** Type-check warnings the status controller writes on a policy, by policy name. */
  readonly warnings = new Map<string, string>();
  /** Whether the status controller has type-checked what is applied (false: a cluster without it, or before it ran). */
  typeChecked = true;
  readonly applied = new Map<string, KubeObject>();
  /** Runs once an apply has been answered: what happens while the reconciler awaits it (a deposition). */
  afterApply: (() => void) | undefined;

  constructor(log: CallLog) {
    this.log = log;
  }

  /** The next apply fails with `error`. */
  failNextApply(error: KubeApiError): void {
    this.failures.push(error);
  }

  async apply(object: KubeObject): Promise<KubeObject> {
    const failure = this.failures.shift();
    this.log.push({ kind: 'call', line: `policies.apply ${object.kind} ${object.metadata.name}${failure === undefined ? '' : `: ${failure.status}`}` });
    if (failure !== undefined) throw failure;
    this.applied.set(`${object.kind}/${object.metadata.name}`, structuredClone(object));
    this.afterApply?.();
    const key = `${object.kind}/${object.metadata.name}`;
    const spec = JSON.stringify(object.spec);
    const before = this.generations.get(key);
    const generation = before === undefined ? 1 : before.spec === spec ? before.generation : before.generation + 1;
    this.generations.set(key, { spec, generation });
    return this.answer(object, generation);
  }

  async getPolicy(name: string): Promise<KubeObject | undefined> {
    this.log.push({ kind: 'call', line: `policies.getPolicy ${name}` });
    const key = `ValidatingAdmissionPolicy/${name}`;
    const object = this.applied.get(key);
    const generation = this.generations.get(key)?.generation;
    return object === undefined || generation === undefined ? undefined : this.answer(object, generation);
  }

  /** The apiserver's copy: the generation, and the type check's status while `typeChecked`. */
  private answer(object: KubeObject, generation: number): KubeObject {
    const answer = { ...structuredClone(object), metadata: { ...object.metadata, generation } };
    if (object.kind !== 'ValidatingAdmissionPolicy' || !this.typeChecked) return answer;
    const warning = this.warnings.get(object.metadata.name);
    const expressionWarnings = warning === undefined ? [] : [{ fieldRef: 'spec.validations[0].expression', warning }];
    return { ...answer, status: { observedGeneration: generation, typeChecking: { expressionWarnings } } };
  }

  async deleteOtherVersions(name: string, versions: readonly string[]): Promise<void> {
    this.log.push({ kind: 'call', line: `policies.deleteOtherVersions ${name} [${versions.join(',')}]` });
    for (const key of [...this.applied.keys()]) {
      const version = /\.(v\d+)$/.exec(key)?.[1];
      if (key.includes(`.schema.${name}.`) && version !== undefined && !versions.includes(version)) this.applied.delete(key);
    }
  }
}

/** Compiles every schema, except one carrying REFUSED_BY_ENGINE (refused with that message). Counts compilations and releases. */
export class FakeSchemaEngine implements SchemaEngine {
  compilations = 0;
  releases = 0;

  compile(openAPIV3Schema: JsonSchema): Compiled {
    this.compilations += 1;
    const refused = openAPIV3Schema[REFUSED_BY_ENGINE];
    if (typeof refused === 'string') return { ok: false, problems: [{ path: refused.split(':')[0] ?? '', message: refused }] };
    return {
      ok: true,
      schema: {
        validate: () => {
          throw new Error('the fake engine validates nothing');
        },
        release: () => {
          this.releases += 1;
        },
      },
    };
  }
}

export const SCHEMA_NAME = 'payments';
export const SCHEMA_UID = 'schema-uid-1';

/** A version's openAPIV3Schema the generator translates. */
export const PAYMENTS_V1: JsonSchema = { type: 'object', properties: { currency: { type: 'string', enum: ['EUR', 'USD'] } }, required: ['currency'] };

export function configSchema(versions: { name: string; openAPIV3Schema?: JsonSchema; served?: boolean }[], metadata: Partial<ConfigSchema['metadata']> = {}): ConfigSchema {
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ConfigSchema',
    metadata: { name: SCHEMA_NAME, uid: SCHEMA_UID, generation: 1, ...metadata },
    spec: { versions: versions.map((v) => ({ name: v.name, served: v.served ?? true, deprecated: false, schema: { openAPIV3Schema: v.openAPIV3Schema ?? PAYMENTS_V1 } })) },
  } as ConfigSchema;
}

/** Every fake wired into a SchemaReconciler. */
export class SchemaScenario {
  readonly calls = new CallLog();
  readonly etcd = new FakeEtcd(this.calls);
  readonly api = new FakeSchemaApi(this.calls);
  readonly policies = new FakePolicies(this.calls);
  readonly engine = new FakeSchemaEngine();
  /** Entries naming each version of each schema: `namespace/name` by version, by schema. */
  readonly users = new Map<string, Map<string, string[]>>();
  /** Schemas the registry reported Ready (the manager queues their waiting entries). */
  readonly becameReady: string[] = [];
  readonly registry = new SchemaRegistry(this.engine, (name) => this.becameReady.push(name));
  /** The embedded schemas' ConfigSchemas this replica keeps (none unless a scenario sets some). */
  readonly embedded = new Map<string, EmbeddedConfigSchema>();
  /** The fence this replica took over with. */
  readonly fence: Fence;
  readonly fencing: FakeFencing;
  readonly reconciler: SchemaReconciler;
  private readonly deps: Omit<SchemaReconcileDeps, 'cache'>;

  constructor() {
    this.fence = this.etcd.acquireFence(fenceKey(PREFIX), 'cairn-0');
    this.fencing = new FakeFencing(this.calls, this.etcd, this.fence);
    this.deps = {
      writer: this.api,
      policies: this.policies,
      registry: this.registry,
      embedded: this.embedded,
      entriesUsing: (name) => this.users.get(name) ?? new Map(),
      fencing: this.fencing,
      isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
      store: this.etcd,
      prefix: PREFIX,
      now: () => NOW,
      log: pino({ level: 'silent' }),
      metrics: new Metrics(false),
    };
    this.reconciler = new SchemaReconciler({ ...this.deps, cache: this.api });
  }

  /**
   * A SchemaController on these fakes (its informer: the fake apiserver's objects, synced), for
   * scenarios of what it queues; entry-count changes gathered for `countIntervalMs`. Stop it after.
   */
  controller(countIntervalMs: number): SchemaController {
    const informer = {
      get: (name: string) => this.api.get(name),
      keys: () => this.api.keys(),
      replaceIfUnchanged: (name: string, from: string | undefined, object: ConfigSchema) => this.api.replaceIfUnchanged(name, from, object),
      start: () => undefined,
      stop: () => undefined,
      hasSynced: true,
    };
    return new SchemaController({ ...this.deps, createInformer: () => informer, concurrency: 1, countIntervalMs });
  }

  /** A successor takes the Lease and the fence: this replica's epoch ends (it holds no fence from now on). */
  deposed(): void {
    this.etcd.acquireFence(this.fence.key, 'cairn-1');
    this.fencing.leading = false;
  }

  reconcile(name: string = SCHEMA_NAME): Promise<ProcessResult> {
    return this.reconciler.reconcile(name);
  }

  /** Creates the schema (with its finalizer, as after a first reconcile) and reconciles it to Ready; clears the log. */
  async ready(object: ConfigSchema = configSchema([{ name: 'v1' }], { finalizers: [SCHEMA_FINALIZER] })): Promise<void> {
    this.api.create(object);
    await this.reconcile(object.metadata.name);
    const ready = this.api.status(object.metadata.name)?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') throw new Error(`setup: the schema did not become Ready: ${this.calls.summary().join(', ')}`);
    this.calls.clear();
  }

  /** A Ready schema used by `entries` at v1, then deleted and reconciled (Stalled SchemaInUse, finalizer kept); clears the log. */
  async deletionWaiting(...entries: string[]): Promise<void> {
    await this.ready();
    this.useBy('v1', ...entries);
    this.api.markDeleted(SCHEMA_NAME);
    await this.reconcile();
    this.calls.clear();
  }

  useBy(version: string, ...entries: string[]): void {
    const byVersion = this.users.get(SCHEMA_NAME) ?? new Map<string, string[]>();
    byVersion.set(version, entries);
    this.users.set(SCHEMA_NAME, byVersion);
  }

  /** The condition of `type` on the schema's status. */
  condition(type: string): { status: string; reason: string; message: string } | undefined {
    return this.api.status(SCHEMA_NAME)?.conditions?.find((c) => c.type === type) as { status: string; reason: string; message: string } | undefined;
  }
}
