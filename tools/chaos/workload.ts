/**
 * The workload: a steady stream of creates, updates and deletes of ConfigEntries and ConfigBundles
 * through the apiserver, chosen by a seeded PRNG. Some entries share a key (KeyConflict), some
 * bundles share a member key with another bundle or an entry, some generations are invalid (a rule
 * of rate-limits@v1 broken, or a schema that does not exist; for a bundle, in one member), bundles'
 * new generations add, change and remove members, and some committed values are edited in etcd
 * behind Cairn's back (driftPolicy Correct must restore them).
 */
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Etcd3 } from 'etcd3';
import type { BundleLog, EntryLog } from './api-log.ts';
import { type BundleMember, bundleKeyPool, nextMembers } from './bundle-workload.ts';
import { driftOwnedValue } from './drift-edit.ts';
import type { RateLimits, Route } from './expected.ts';
import type { DeletionRequested, DriftEdit } from './history.ts';
import { type BundleObject, type EntryObject, SCHEMA } from './observed.ts';
import type { Prng } from './prng.ts';

export interface WorkloadOptions {
  readonly kc: KubeConfig;
  readonly etcd: Etcd3;
  readonly namespace: string;
  readonly prefix: string;
  readonly log: EntryLog;
  readonly bundleLog: BundleLog;
  readonly rng: Prng;
  /** Entries in play (names e-0 .. e-<n-1>); the first `sharedPairs` pairs share a key. */
  readonly entries: number;
  readonly sharedPairs: number;
  /** Bundles in play (names b-0 .. b-<n-1>), each with a pool of member keys (see bundle-workload.ts). */
  readonly bundles: number;
  readonly opsPerSecond: number;
}

interface Slot {
  readonly kind: 'entry' | 'bundle';
  readonly name: string;
  /** An entry's key. */
  readonly key: string;
  /** A bundle's possible member keys. */
  readonly pool: readonly string[];
  /** A bundle's members as last sent. */
  members: readonly BundleMember[];
  uid: string | undefined;
  deleting: boolean;
}

const GROUP = 'cairn.dev';
const VERSION = 'v1alpha1';
const PLURALS = { entry: 'configentries', bundle: 'configbundles' } as const;

export class Workload {
  readonly deletions: DeletionRequested[] = [];
  readonly driftEdits: DriftEdit[] = [];
  /** Requests sent (successful or not). */
  operations = 0;
  private readonly options: WorkloadOptions;
  private readonly api: CustomObjectsApi;
  private readonly slots: Slot[];
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(options: WorkloadOptions) {
    this.options = options;
    this.api = options.kc.makeApiClient(CustomObjectsApi);
    const entries = Array.from({ length: options.entries }, (_, i): Slot => {
      const shared = i < options.sharedPairs * 2;
      return { kind: 'entry', name: `e-${i}`, key: shared ? `shared/${Math.floor(i / 2)}` : `k/${i}`, pool: [], members: [], uid: undefined, deleting: false };
    });
    const bundles = Array.from({ length: options.bundles }, (_, i): Slot => ({ kind: 'bundle', name: `b-${i}`, key: '', pool: bundleKeyPool(i, options.entries), members: [], uid: undefined, deleting: false }));
    this.slots = [...entries, ...bundles];
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    const interval = 1000 / this.options.opsPerSecond;
    let next = Date.now();
    while (!this.stopped) {
      await this.step().catch(() => undefined); // a refused or lost request is part of the run
      next += interval;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
  }

  private async step(): Promise<void> {
    const { rng } = this.options;
    const slot = rng.pick(this.slots);
    this.operations++;
    if (slot.deleting) return this.recreate(slot);
    if (slot.uid === undefined) return this.create(slot);
    const roll = rng.next();
    if (roll < 0.1) return this.remove(slot);
    if (roll < 0.2) return void (await this.drift(slot));
    return this.update(slot);
  }

  private params(slot: Slot) {
    return { group: GROUP, version: VERSION, namespace: this.options.namespace, plural: PLURALS[slot.kind], name: slot.name };
  }

  /** Valid rate-limits@v1 data. */
  private data(): RateLimits {
    const { rng } = this.options;
    const routes: Route[] = Array.from({ length: rng.int(1, 3) }, (_, j) => {
      const requestsPerSecond = rng.int(1, 100);
      return {
        route: `/r${j}/${rng.int(0, 9)}`,
        requestsPerSecond,
        burst: requestsPerSecond + rng.int(0, 100),
        ...(rng.chance(0.3) ? { methods: ['GET', 'POST'] } : {}),
        ...(rng.chance(0.3) ? { by: rng.pick(['user', 'global']) } : {}),
      };
    });
    return { routes, ...(rng.chance(0.3) ? { defaultLimit: { requestsPerSecond: 5, burst: 10 } } : {}) };
  }

  /** An entry's schema and data: valid most of the time, otherwise broken in one of three ways. */
  private spec(): { schema: string; data: RateLimits } {
    const data = this.data();
    const routes = data.routes;
    const breakage = this.options.rng.next();
    if (breakage < 0.08) return { schema: SCHEMA, data: { ...data, routes: routes.map((r) => ({ ...r, burst: 0 })) } }; // burst below the rate
    if (breakage < 0.12) return { schema: SCHEMA, data: { ...data, routes: [...routes, routes[0] as Route] } }; // a route listed twice
    if (breakage < 0.14) return { schema: 'rate-limits@v9', data }; // no such schema
    return { schema: SCHEMA, data };
  }

  /** A bundle's next members: some added, changed, removed (bundle-workload.ts); one member invalid now and then. */
  private members(slot: Slot): BundleMember[] {
    const members = nextMembers(this.options.rng, slot.pool, slot.members, () => this.data());
    slot.members = members;
    if (!this.options.rng.chance(0.1)) return members;
    const at = this.options.rng.int(0, members.length - 1);
    const broken = this.options.rng.chance(0.5) ? { schema: 'rate-limits@v9' } : { data: { routes: [{ route: '/x', requestsPerSecond: 5, burst: 0 }] } }; // no such schema, or burst below the rate
    return members.map((m, i) => (i === at ? { ...m, ...broken } : m));
  }

  private async create(slot: Slot): Promise<void> {
    const { namespace } = this.options;
    const spec = slot.kind === 'entry' ? { ...this.spec(), key: slot.key, ...(this.options.rng.chance(0.5) ? { driftPolicy: 'Correct' } : {}) } : { members: this.members(slot), deletionPolicy: 'Delete', driftPolicy: 'Correct' };
    const kind = slot.kind === 'entry' ? 'ConfigEntry' : 'ConfigBundle';
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name: slot.name, namespace }, spec };
    const created = (await this.api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURALS[slot.kind], body })) as EntryObject & BundleObject;
    this.note(slot, created);
    slot.uid = created.metadata.uid;
  }

  private async update(slot: Slot): Promise<void> {
    const spec = slot.kind === 'entry' ? this.spec() : { members: this.members(slot) };
    const patched = (await this.api.patchNamespacedCustomObject({ ...this.params(slot), body: { spec } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))) as EntryObject & BundleObject;
    this.note(slot, patched);
  }

  private note(slot: Slot, object: EntryObject & BundleObject): void {
    if (slot.kind === 'entry') this.options.log.note(object);
    else this.options.bundleLog.note(object);
  }

  /**
   * Deletes the entry. Whatever the answer, the slot counts as deleting until recreate() has seen the
   * apiserver's object: an error reply does not prove the delete was refused (a 500 when the
   * apiserver's etcd timed out may follow a delete that applied; the driver once took such a delete
   * for refused, kept updating the entry and drift-editing its key after the operator had removed
   * its keys, and left a value no entry owned: seed 953901).
   */
  private async remove(slot: Slot): Promise<void> {
    if (slot.uid === undefined) return;
    this.deletions.push({ uid: slot.uid, namespace: this.options.namespace, name: slot.name, at: Date.now() });
    slot.deleting = true;
    await this.api.deleteNamespacedCustomObject({ ...this.params(slot), body: { preconditions: { uid: slot.uid } } });
  }

  /**
   * After a delete: once the object is gone (its finalizer released), the name is used again (a new
   * uid); an object still there and not being deleted means the delete never applied: it lives on.
   */
  private async recreate(slot: Slot): Promise<void> {
    const object = await this.api.getNamespacedCustomObject(this.params(slot)).then(
      (found) => found as EntryObject,
      (error: { code?: number }) => {
        if (error.code === 404) return undefined;
        throw error;
      },
    );
    if (object !== undefined) {
      if (object.metadata.uid === slot.uid && object.metadata.deletionTimestamp === undefined) slot.deleting = false;
      return;
    }
    slot.deleting = false;
    slot.uid = undefined;
    slot.members = [];
    await this.create(slot);
  }

  /** Edits up to `count` committed values in etcd behind Cairn's back (a fault uses it). */
  async driftNow(count: number): Promise<number> {
    let edited = 0;
    for (const slot of this.slots) {
      if (edited >= count) break;
      if (await this.drift(slot, false)) edited++;
    }
    return edited;
  }

  /** Puts another value on a committed data key directly in etcd, as an outside writer would (drift-edit.ts); otherwise updates. */
  private async drift(slot: Slot, orUpdate = true): Promise<boolean> {
    const uid = slot.deleting ? undefined : slot.uid;
    const key = uid === undefined ? undefined : this.committedKey(slot.kind, uid);
    const edit = key === undefined || uid === undefined ? undefined : await driftOwnedValue(this.options.etcd, this.options.prefix, uid, key, this.options.rng);
    if (edit === undefined) {
      if (orUpdate) await this.update(slot);
      return false;
    }
    this.driftEdits.push(edit);
    return true;
  }

  /** A data key the slot's latest status reports Ready: the entry's, or one of the bundle's members. */
  private committedKey(kind: Slot['kind'], uid: string): string | undefined {
    if (kind === 'entry') {
      const status = this.options.log.latest.get(uid);
      return status?.ready === 'True' ? status.key : undefined;
    }
    const status = this.options.bundleLog.latest.get(uid);
    const members = status?.ready === 'True' ? (status.members ?? []) : [];
    return members.length === 0 ? undefined : this.options.rng.pick(members).key;
  }
}
