/**
 * The checker's index of one History: generations (entries' and bundles') by (uid, generation) and
 * by key, etcd's changes grouped by revision (one transaction each), the fence's holders over time,
 * and the story of a key for a violation's report. Reads Cairn's meta and fence records with its own
 * parser, not src/'s.
 */
import { hashOf } from './expected.ts';
import type { BundleGenerationWritten, EtcdChange, GenerationWritten, History } from './history.ts';

export interface MetaRecord {
  /** 'ConfigBundle' for a bundle member's record; a record without a kind is an entry's. */
  readonly ownerKind: 'ConfigEntry' | 'ConfigBundle';
  readonly uid: string;
  readonly generation: number;
  readonly dataHash: string;
  /** The fence revision the writing transaction compared; undefined when the record names none. */
  readonly fence: number | undefined;
}

/** Cairn's meta record, read with the checker's own parser (not src/domain/stored-meta.ts). */
export function parseMeta(value: string | undefined): MetaRecord | undefined {
  if (value === undefined) return undefined;
  try {
    const v = JSON.parse(value) as Record<string, unknown>;
    if (typeof v.uid !== 'string' || typeof v.generation !== 'number' || typeof v.dataHash !== 'string') return undefined;
    const fence = typeof v.fence === 'string' && /^[1-9][0-9]*$/.test(v.fence) ? Number(v.fence) : undefined;
    const ownerKind = v.ownerKind === 'ConfigBundle' ? 'ConfigBundle' : 'ConfigEntry';
    return { ownerKind, uid: v.uid, generation: v.generation, dataHash: v.dataHash, fence };
  } catch {
    return undefined;
  }
}

/** A ConfigBundle's record at `P/bundles/<namespace>/<name>`: the generation committed and its members' relative keys. */
export interface BundleRecord {
  readonly uid: string;
  readonly generation: number;
  readonly members: readonly string[];
}

/** The bundle record in a value, read with the checker's own parser (not src/domain/bundle-record.ts). */
export function parseRecord(value: string | undefined): BundleRecord | undefined {
  if (value === undefined) return undefined;
  try {
    const v = JSON.parse(value) as Record<string, unknown>;
    if (typeof v.uid !== 'string' || typeof v.generation !== 'number' || !Array.isArray(v.members) || !v.members.every((m) => typeof m === 'string')) return undefined;
    return { uid: v.uid, generation: v.generation, members: v.members as string[] };
  } catch {
    return undefined;
  }
}

function holderOf(value: string | undefined): string | undefined {
  try {
    const v = JSON.parse(value ?? '') as { holder?: unknown };
    return typeof v.holder === 'string' ? v.holder : undefined;
  } catch {
    return undefined;
  }
}

export const short = (hash: string | undefined): string => (hash === undefined ? '-' : hash.replace(/^sha256:/, '').slice(0, 12));

export class HistoryIndex {
  readonly dataRoot: string;
  readonly metaRoot: string;
  /** `P/bundles/`: the bundles' records. */
  readonly recordRoot: string;
  readonly fenceKey: string;
  readonly generations = new Map<string, GenerationWritten>();
  readonly byKey = new Map<string, GenerationWritten[]>();
  readonly bundleGenerations = new Map<string, BundleGenerationWritten>();
  /** Every bundle generation naming a key among its members, by data key. */
  readonly bundlesByKey = new Map<string, BundleGenerationWritten[]>();
  /** The newest generation the driver saw of each bundle, by uid. */
  readonly lastBundleGeneration = new Map<string, BundleGenerationWritten>();
  /** `namespace/name` of every entry and bundle, by uid (bundles as `bundle namespace/name`). */
  readonly ownerName = new Map<string, string>();
  readonly revisions = new Map<number, Map<string, EtcdChange>>();
  readonly fences: { revision: number; holder: string | undefined }[] = [];

  readonly history: History;

  constructor(history: History) {
    this.history = history;
    this.dataRoot = `${history.prefix}/data/`;
    this.metaRoot = `${history.prefix}/meta/`;
    this.recordRoot = `${history.prefix}/bundles/`;
    this.fenceKey = `${history.prefix}/fence`;
    for (const g of history.generations) {
      this.generations.set(`${g.uid}#${g.generation}`, g);
      this.ownerName.set(g.uid, `${g.namespace}/${g.name}`);
      const list = this.byKey.get(g.dataKey) ?? [];
      list.push(g);
      this.byKey.set(g.dataKey, list);
    }
    for (const g of history.bundleGenerations) {
      this.bundleGenerations.set(`${g.uid}#${g.generation}`, g);
      this.ownerName.set(g.uid, `bundle ${g.namespace}/${g.name}`);
      if ((this.lastBundleGeneration.get(g.uid)?.generation ?? 0) < g.generation) this.lastBundleGeneration.set(g.uid, g);
      for (const m of g.members) {
        const list = this.bundlesByKey.get(m.dataKey) ?? [];
        list.push(g);
        this.bundlesByKey.set(m.dataKey, list);
      }
    }
    for (const change of [...history.etcd].sort((a, b) => a.revision - b.revision)) {
      const at = this.revisions.get(change.revision) ?? new Map<string, EtcdChange>();
      at.set(change.key, change);
      this.revisions.set(change.revision, at);
      if (change.key === this.fenceKey && change.type === 'put') this.fences.push({ revision: change.revision, holder: holderOf(change.value) });
    }
  }

  generation(uid: string, generation: number | undefined): GenerationWritten | undefined {
    return generation === undefined ? undefined : this.generations.get(`${uid}#${generation}`);
  }

  bundleGeneration(uid: string, generation: number | undefined): BundleGenerationWritten | undefined {
    return generation === undefined ? undefined : this.bundleGenerations.get(`${uid}#${generation}`);
  }

  /** The record key of the bundle with `uid` (from any generation the driver saw), or undefined. */
  recordKeyOf(uid: string): string | undefined {
    const g = this.lastBundleGeneration.get(uid);
    return g === undefined ? undefined : `${this.recordRoot}${g.namespace}/${g.name}`;
  }

  /** The name of an entry or bundle for messages, or its uid. */
  nameOf(uid: string): string {
    return this.ownerName.get(uid) ?? uid;
  }

  metaKeyOf(dataKey: string): string {
    return this.metaRoot + dataKey.slice(this.dataRoot.length);
  }

  dataKeyOf(metaKey: string): string {
    return this.dataRoot + metaKey.slice(this.metaRoot.length);
  }

  change(revision: number, key: string): EtcdChange | undefined {
    return this.revisions.get(revision)?.get(key);
  }

  /** The holder of the fence at `revision` (the last fence put at or before it). */
  fenceAt(revision: number): { revision: number; holder: string | undefined } | undefined {
    let found: { revision: number; holder: string | undefined } | undefined;
    for (const f of this.fences) {
      if (f.revision > revision) break;
      found = f;
    }
    return found;
  }

  /**
   * Rule 2, the meta record's fence: the commit at `revision` compared the fence revision its record
   * names, so that must be the fence etcd held then (a commit does not move the fence, so the last
   * fence put at or before `revision` is the one its compare saw). Etcd never applies a transaction
   * whose fence compare failed, so in a real history this fails only when Cairn's record misstates
   * its compare; who wrote is checkClaims' part. Returns the problem, or undefined.
   */
  fenceProblem(revision: number, record: MetaRecord): string | undefined {
    if (record.fence === undefined) return 'the meta record names no fence revision';
    const fence = this.fenceAt(revision);
    if (fence === undefined) return `meta names fence rev ${record.fence} before any fence was written`;
    if (fence.revision !== record.fence) return `meta names fence rev ${record.fence} while the fence was at rev ${fence.revision} (held by ${fence.holder ?? 'nobody readable'})`;
    return undefined;
  }

  /**
   * Data keys a bundle under deletionPolicy Retain released: their meta's last change is a delete
   * of a bundle's record (its value stays in etcd, owned by no one).
   */
  releasedByRetain(): Set<string> {
    const last = new Map<string, { record: MetaRecord | undefined; deleted: boolean }>();
    for (const [, changes] of [...this.revisions].sort((a, b) => a[0] - b[0])) {
      for (const change of changes.values()) {
        if (!change.key.startsWith(this.metaRoot)) continue;
        const before = last.get(change.key)?.record;
        last.set(change.key, change.type === 'put' ? { record: parseMeta(change.value), deleted: false } : { record: before, deleted: true });
      }
    }
    const released = new Set<string>();
    for (const [metaKey, { record, deleted }] of last) {
      if (deleted && record?.ownerKind === 'ConfigBundle' && this.lastBundleGeneration.get(record.uid)?.deletionPolicy === 'Retain') released.add(this.dataKeyOf(metaKey));
    }
    return released;
  }

  /** The history of one data key, for a violation's report. */
  story(dataKey: string, limit = 40): string[] {
    const metaKey = this.metaKeyOf(dataKey);
    const lines: { at: number; order: number; text: string }[] = [];
    for (const g of this.byKey.get(dataKey) ?? []) {
      lines.push({ at: g.at, order: 0, text: `wrote ${g.namespace}/${g.name} gen ${g.generation} (uid ${g.uid}) ${g.valid ? 'valid' : 'INVALID'} expect ${short(g.hash)}` });
    }
    for (const g of this.bundlesByKey.get(dataKey) ?? []) {
      const member = g.members.find((m) => m.dataKey === dataKey);
      lines.push({ at: g.at, order: 0, text: `wrote bundle ${g.namespace}/${g.name} gen ${g.generation} (uid ${g.uid}, ${g.members.length} members) ${g.valid ? 'valid' : 'INVALID'} expect ${short(member?.hash)} here` });
    }
    for (const s of this.history.statuses) {
      const g = this.generation(s.uid, s.generation);
      if (g?.dataKey !== dataKey && s.key !== dataKey) continue;
      lines.push({ at: s.at, order: 1, text: `status ${s.namespace}/${s.name} gen ${s.generation} observed ${s.observedGeneration ?? '-'} Ready=${s.ready ?? '-'} ${s.reason ?? ''} rev ${s.revision ?? '-'} hash ${short(s.dataHash)}` });
    }
    const bundles = new Set((this.bundlesByKey.get(dataKey) ?? []).map((g) => g.uid));
    for (const s of this.history.bundleStatuses) {
      if (!bundles.has(s.uid)) continue;
      lines.push({ at: s.at, order: 1, text: `status bundle ${s.namespace}/${s.name} gen ${s.generation} observed ${s.observedGeneration ?? '-'} Ready=${s.ready ?? '-'} ${s.reason ?? ''} rev ${s.revision ?? '-'} members ${s.members?.length ?? '-'}` });
    }
    const sorted = lines.sort((a, b) => a.at - b.at || a.order - b.order).map((l) => l.text);
    const etcd: string[] = [];
    for (const [revision, changes] of [...this.revisions].sort((a, b) => a[0] - b[0])) {
      const data = changes.get(dataKey);
      const meta = changes.get(metaKey);
      if (data === undefined && meta === undefined) continue;
      const m = parseMeta(meta?.value);
      const dataText = data === undefined ? 'data -' : data.type === 'delete' ? 'data deleted' : `data ${short(hashOf(data.value ?? ''))}`;
      const kind = m?.ownerKind === 'ConfigBundle' ? 'bundle ' : '';
      const metaText = meta === undefined ? 'meta -' : meta.type === 'delete' ? 'meta deleted' : m ? `meta ${kind}uid ${m.uid} gen ${m.generation}` : 'meta unreadable';
      etcd.push(`etcd rev ${revision}: ${dataText}, ${metaText}, fence holder ${this.fenceAt(revision)?.holder ?? 'none'}`);
    }
    return [...sorted, ...etcd].slice(-limit);
  }
}
