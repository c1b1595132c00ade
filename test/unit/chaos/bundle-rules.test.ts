/**
 * The chaos checker's rules for ConfigBundles on hand-made histories: a clean history of a bundle
 * whose second generation adds, changes and removes members passes (etcd's log and the reader's view
 * alike), and each rule catches a history built to break it as it reads for bundles.
 */
import { describe, expect, it } from 'vitest';
import { check, type Violation } from '../../../tools/chaos/checker.ts';
import { canonical, hashOf, withDefaults, type RateLimits } from '../../../tools/chaos/expected.ts';
import type { BundleGenerationWritten, BundleStatusSeen, EtcdChange, FinalBundle, GenerationWritten, History, ReaderObservation } from '../../../tools/chaos/history.ts';

const P = '/p';
const dataKey = (key: string): string => `${P}/data/ns/${key}`;
const metaKey = (key: string): string => `${P}/meta/ns/${key}`;
const limits = (rps: number, burst = rps * 2): RateLimits => ({ routes: [{ route: '/api', requestsPerSecond: rps, burst }] });
const expected = (data: RateLimits): string => canonical(withDefaults(data));

type MemberSpec = readonly [key: string, rps: number, valid?: boolean];

function bgen(generation: number, members: readonly MemberSpec[], options: { uid?: string; name?: string; deletionPolicy?: 'Delete' | 'Retain' } = {}): BundleGenerationWritten {
  const written = members.map(([key, rps, valid = true]) => {
    const text = valid ? expected(limits(rps)) : canonical(limits(rps, 0));
    return { dataKey: dataKey(key), valid, canonical: text, hash: hashOf(text) };
  });
  return { uid: options.uid ?? 'uid-b', namespace: 'ns', name: options.name ?? 'b', generation, deletionPolicy: options.deletionPolicy ?? 'Delete', valid: written.every((m) => m.valid), members: written, at: generation * 10 };
}

function metaValue(g: BundleGenerationWritten, key: string, value: string, fence = 2): string {
  return canonical({ ownerKind: 'ConfigBundle', uid: g.uid, generation: g.generation, dataHash: hashOf(value), namespace: 'ns', name: g.name, schema: 'rate-limits@v1', committedAt: 'x', fence: String(fence) });
}

const recordKey = (name = 'b'): string => `${P}/bundles/ns/${name}`;

/** The bundle's record for generation `g`: the members' relative keys. */
function record(revision: number, g: BundleGenerationWritten): EtcdChange {
  const members = g.members.map((m) => m.dataKey.slice(dataKey('').length));
  return { revision, key: recordKey(g.name), type: 'put', value: canonical({ uid: g.uid, namespace: 'ns', name: g.name, generation: g.generation, members, fence: '2', committedAt: 'x' }) };
}

/** One transaction of generation `g` at `revision`: the record, every member's meta, the data of those in `written` (default all), removed members' keys deleted. */
function bundleCommit(revision: number, g: BundleGenerationWritten, options: { written?: readonly string[]; removed?: readonly string[]; keepData?: boolean } = {}): EtcdChange[] {
  const changes: EtcdChange[] = [record(revision, g)];
  for (const m of g.members) {
    const key = m.dataKey.slice(dataKey('').length);
    if (options.written === undefined || options.written.includes(key)) changes.push({ revision, key: m.dataKey, type: 'put', value: m.canonical });
    changes.push({ revision, key: metaKey(key), type: 'put', value: metaValue(g, key, m.canonical) });
  }
  for (const key of options.removed ?? []) {
    if (options.keepData !== true) changes.push({ revision, key: dataKey(key), type: 'delete' });
    changes.push({ revision, key: metaKey(key), type: 'delete' });
  }
  return changes;
}

const fence = (revision: number, holder: string): EtcdChange => ({ revision, key: `${P}/fence`, type: 'put', value: JSON.stringify({ holder, acquiredAt: 'x' }) });

function ready(g: BundleGenerationWritten, revision: number, overrides: Partial<BundleStatusSeen> = {}): BundleStatusSeen {
  return { uid: g.uid, namespace: 'ns', name: g.name, generation: g.generation, observedGeneration: g.generation, ready: 'True', reason: 'Committed', stalled: false, revision, members: g.members.map((m) => ({ key: m.dataKey, dataHash: m.hash })), at: g.at + 1, ...overrides };
}

const settled = (g: BundleGenerationWritten, status: BundleStatusSeen | undefined): FinalBundle => ({ uid: g.uid, namespace: 'ns', name: g.name, generation: g.generation, deleting: false, status });

/** What etcd holds after `changes`, as the final range read returns it. */
function finalEtcd(changes: readonly EtcdChange[]): Record<string, string> {
  const held: Record<string, string> = {};
  for (const c of [...changes].sort((a, b) => a.revision - b.revision)) {
    if (c.key === `${P}/fence`) continue;
    if (c.type === 'put') held[c.key] = c.value ?? '';
    else delete held[c.key];
  }
  return held;
}

const asReader = (changes: readonly EtcdChange[]): ReaderObservation[] => changes.filter((c) => c.key !== `${P}/fence`).map((change) => ({ kind: 'change', change }));

// gen 1: x, y, w; gen 2: x unchanged, y changed, z added, w removed.
const b1 = bgen(1, [['x', 1], ['y', 2], ['w', 3]]);
const b2 = bgen(2, [['x', 1], ['y', 20], ['z', 4]]);
const gen2Commit = (revision: number): EtcdChange[] => bundleCommit(revision, b2, { written: ['y', 'z'], removed: ['w'] });

function bundleHistory(etcd: EtcdChange[] = [fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4)], statuses = [ready(b1, 3), ready(b2, 4)]): History {
  return {
    prefix: P,
    generations: [],
    deletions: [],
    statuses: [],
    etcd,
    driftEdits: [],
    replicas: [{ identity: 'replica-1', commits: [3, 4] }],
    bundleGenerations: [b1, b2],
    bundleStatuses: statuses,
    reader: asReader(etcd),
    final: { entries: [], bundles: [settled(b2, statuses.at(-1))], etcd: finalEtcd(etcd), leakedPids: [] },
  };
}

const violationsOf = (history: History): string[] => check(history).violations.map((v) => `${v.rule}: ${v.message}`);

function expectOnly(history: History, rule: Violation['rule'], message: RegExp): void {
  expect(violationsOf(history)).toEqual([expect.stringMatching(new RegExp(`^${rule}: .*${message.source}`))]);
}

function expectAmong(history: History, rule: Violation['rule'], message: RegExp): void {
  expect(violationsOf(history)).toContainEqual(expect.stringMatching(new RegExp(`^${rule}: .*${message.source}`)));
}

describe('chaos checker, bundles', () => {
  it('passes a bundle whose generations add, change and remove members, each in one revision, and counts it', () => {
    const h = bundleHistory();
    expect(violationsOf(h)).toEqual([]);
    expect(check(h).operations).toBeGreaterThan(check({ ...h, reader: [] }).operations);
  });

  describe('rule 5: a generation is one transaction that readers see whole', () => {
    it('fails a generation split over two revisions (members of two generations visible at one revision)', () => {
      const split = gen2Commit(4).map((c) => (c.key.endsWith('/z') || c.key.endsWith('/w') ? { ...c, revision: 5 } : c));
      const etcd = [fence(2, 'replica-1'), ...bundleCommit(3, b1), ...split];
      expect(violationsOf(bundleHistory(etcd, [ready(b1, 3), ready(b2, 5)]))).toEqual([
        expect.stringMatching(/^5: etcd at rev 4: members of gens 1 and 2 of bundle ns\/b visible at once/),
        expect.stringMatching(/^5: etcd at rev 5: the members of gen 2 of bundle ns\/b carry meta mod_revisions 4, 5/),
        expect.stringMatching(/^5: the reader at rev 4: members of gens 1 and 2 of bundle ns\/b visible at once/),
        expect.stringMatching(/^5: the reader at rev 5: the members of gen 2/),
      ]);
    });

    it('fails a removed member that does not disappear in the revision of the generation that removed it', () => {
      const etcd = [fence(2, 'replica-1'), ...bundleCommit(3, b1), ...bundleCommit(4, b2, { written: ['y', 'z'] })];
      expectAmong(bundleHistory(etcd), 5, /etcd at rev 4: members of gens 1 and 2 of bundle ns\/b visible at once \(ns\/w gen 1, ns\/x gen 2, ns\/y gen 2, ns\/z gen 2\)/);
    });

    it("fails one generation's members at different meta mod_revisions, and a member missing in between", () => {
      const first = bundleCommit(3, b1).map((c) => (c.key.endsWith('/x') || c.key === recordKey() ? c : { ...c, revision: 4 }));
      const etcd = [fence(2, 'replica-1'), ...first, ...gen2Commit(5)];
      const h = { ...bundleHistory(etcd, [ready(b1, 4), ready(b2, 5)]), reader: [] };
      expect(violationsOf(h)).toEqual([
        expect.stringMatching(/^5: etcd at rev 3: bundle ns\/b's record names members x, y, w, not the keys whose meta names it$/),
        expect.stringMatching(/^5: etcd at rev 3: gen 1 of bundle ns\/b is visible without its member\(s\) \/p\/data\/ns\/y, \/p\/data\/ns\/w$/),
        expect.stringMatching(/^5: etcd at rev 4: the members of gen 1 of bundle ns\/b carry meta mod_revisions 3, 4, not one transaction's$/),
      ]);
    });

    it('fails members visible without their bundle record, and a record that names another generation than their meta', () => {
      const h = bundleHistory();
      const withoutRecords = h.etcd.filter((c) => c.key !== recordKey());
      expect(violationsOf({ ...bundleHistory(withoutRecords), reader: [] })).toEqual([
        expect.stringMatching(/^5: etcd at rev 3: members of bundle ns\/b visible without its bundle record$/),
        expect.stringMatching(/^5: etcd at rev 4: members of bundle ns\/b visible without its bundle record$/),
      ]);
      const staleRecord = h.etcd.filter((c) => !(c.key === recordKey() && c.revision === 4));
      expect(violationsOf({ ...bundleHistory(staleRecord), reader: [] })).toEqual([expect.stringMatching(/^5: etcd at rev 4: bundle ns\/b's record names gen 1 at rev 3, its members' meta gen 2 at rev 4$/)]);
    });

    it("fails a mixed state only the reader saw (its range read), though etcd's log is clean", () => {
      const h = bundleHistory();
      const held = finalEtcd(h.etcd.filter((c) => c.revision <= 3));
      const mixed = { ...held, [metaKey('x')]: metaValue(b2, 'x', b2.members[0]!.canonical) };
      const snapshot: ReaderObservation = { kind: 'snapshot', revision: 3, keys: Object.entries(mixed).map(([key, value]) => ({ key, value, modRevision: key === metaKey('x') ? 4 : 3 })) };
      expectOnly({ ...h, reader: [snapshot] }, 5, /the reader \(range read\) at rev 3: members of gens 1 and 2/);
    });
  });

  describe('rule 1: a bundle Ready at revision R has all its members at R', () => {
    it("fails a Ready at a revision where etcd held the previous generation's members", () => {
      expectAmong(bundleHistory(undefined, [ready(b1, 3), ready(b2, 3)]), 1, /Ready at rev 3, but at that revision etcd holds [0-9a-f]{12} there, not gen 2's/);
    });

    it("fails a Ready whose members are not its generation's", () => {
      expectOnly(bundleHistory(undefined, [ready(b1, 3), ready(b2, 4, { members: ready(b1, 3).members })]), 1, /Ready at gen 2 names members \[.*\]; that generation's are/);
    });

    it('fails a Ready at a revision etcd never reached, and one at a revision that changed none of its keys', () => {
      expectOnly(bundleHistory(undefined, [ready(b1, 3), ready(b2, 99)]), 1, /Ready at rev 99, a revision at which etcd changed nothing/);
      const other: EtcdChange = { revision: 5, key: `${P}/fence`, type: 'put', value: JSON.stringify({ holder: 'replica-1' }) };
      const h = bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4), other], [ready(b1, 3), ready(b2, 5)]);
      expectOnly(h, 1, /Ready at rev 5, but its members' keys last changed at rev 4/);
    });

    it('fails a Ready at an invalid generation', () => {
      const bad = bgen(3, [['x', 1, false]]);
      const h = bundleHistory(undefined, [ready(b1, 3), ready(b2, 4), ready(bad, 4)]);
      expectAmong({ ...h, bundleGenerations: [b1, b2, bad], final: undefined }, 1, /Ready at INVALID gen 3/);
    });
  });

  describe('rule 2: per member key, etcd follows the bundle generations in order, one owner at a time', () => {
    it('fails an older generation written after a newer one', () => {
      const h = bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4), ...bundleCommit(5, b1, { removed: ['z'] })]);
      expectAmong({ ...h, final: undefined }, 2, /gen 1 of bundle ns\/b written after gen 2/);
    });

    it("fails a bundle writing over an entry's key, and an entry writing over a bundle's", () => {
      const text = expected(limits(7));
      const entry: GenerationWritten = { uid: 'uid-e', namespace: 'ns', name: 'e', generation: 1, dataKey: dataKey('x'), valid: true, canonical: text, hash: hashOf(text), at: 1 };
      const entryMeta = canonical({ uid: 'uid-e', generation: 1, dataHash: hashOf(text), namespace: 'ns', name: 'e', schema: 'rate-limits@v1', committedAt: 'x', fence: '2' });
      const entryCommit = (revision: number): EtcdChange[] => [
        { revision, key: dataKey('x'), type: 'put', value: text },
        { revision, key: metaKey('x'), type: 'put', value: entryMeta },
      ];
      const first = { ...bundleHistory([fence(2, 'replica-1'), ...entryCommit(3), ...bundleCommit(4, b1)], [ready(b1, 4)]), generations: [entry], final: undefined };
      expectAmong(first, 2, /bundle ns\/b wrote over a key owned by ns\/e/);
      const second = { ...bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...entryCommit(4)], [ready(b1, 3)]), generations: [entry], final: undefined };
      expectAmong(second, 2, /ns\/e wrote over a key owned by bundle ns\/b/);
    });

    it('fails a member value its generation never had, and a meta record that names no member at its key', () => {
      const odd = gen2Commit(4).map((c) => (c.key === dataKey('y') ? { ...c, value: expected(limits(55)) } : c));
      expectAmong({ ...bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...odd]), final: undefined }, 2, /under the meta of gen 2 of bundle ns\/b, whose member here expects/);
      const stray: EtcdChange[] = [
        { revision: 5, key: dataKey('q'), type: 'put', value: b2.members[0]!.canonical },
        { revision: 5, key: metaKey('q'), type: 'put', value: metaValue(b2, 'q', b2.members[0]!.canonical) },
      ];
      expectAmong({ ...bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4), ...stray]), final: undefined }, 2, /meta names gen 2, which has no member at this key/);
    });

    it('fails a member removed outside a generation of the bundle and outside its deletion', () => {
      const gone: EtcdChange[] = [
        { revision: 5, key: dataKey('y'), type: 'delete' },
        { revision: 5, key: metaKey('y'), type: 'delete' },
      ];
      const h = { ...bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4), ...gone]), final: undefined };
      expectAmong(h, 2, /removed a member of bundle ns\/b, which was neither deleted nor committed a generation in that revision/);
      expectAmong(h, 5, /gen 2 of bundle ns\/b is visible without its member\(s\) \/p\/data\/ns\/y/);
      const rest: EtcdChange[] = ['x', 'z'].flatMap((k) => [dataKey(k), metaKey(k)]).map((key) => ({ revision: 5, key, type: 'delete' as const }));
      const deleted = bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4), ...gone, ...rest, { revision: 5, key: recordKey(), type: 'delete' }]);
      expect(violationsOf({ ...deleted, deletions: [{ uid: 'uid-b', namespace: 'ns', name: 'b', at: 50 }], final: { ...deleted.final!, bundles: [] } })).toEqual([]);
    });

    it('fails a removal that keeps the data under Delete, and passes it under Retain', () => {
      const etcd = [fence(2, 'replica-1'), ...bundleCommit(3, b1), ...bundleCommit(4, b2, { written: ['y', 'z'], removed: ['w'], keepData: true })];
      expectOnly({ ...bundleHistory(etcd), final: undefined }, 2, /\(deletionPolicy Delete\) removed the member's meta but left its data/);
      const r1 = bgen(1, [['x', 1], ['y', 2], ['w', 3]], { deletionPolicy: 'Retain' });
      const r2 = bgen(2, [['x', 1], ['y', 20], ['z', 4]], { deletionPolicy: 'Retain' });
      const retained = [fence(2, 'replica-1'), ...bundleCommit(3, r1), ...bundleCommit(4, r2, { written: ['y', 'z'], removed: ['w'], keepData: true })];
      const h = bundleHistory(retained, [ready(r1, 3), ready(r2, 4)]);
      expect(violationsOf({ ...h, bundleGenerations: [r1, r2], final: { ...h.final!, bundles: [settled(r2, ready(r2, 4))] } })).toEqual([]);
    });

    it("passes the driver's drift edit and its correction (the member's data alone), and fails a data put without meta that restores nothing", () => {
      const edit: EtcdChange = { revision: 5, key: dataKey('y'), type: 'put', value: '{"drift":1}' };
      const restore: EtcdChange = { revision: 6, key: dataKey('y'), type: 'put', value: b2.members[1]!.canonical };
      const h = bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4), edit, restore], [ready(b1, 3), ready(b2, 4), ready(b2, 6)]);
      expect(violationsOf({ ...h, driftEdits: [{ key: edit.key, value: '{"drift":1}', revision: 5 }] })).toEqual([]);
      expectAmong(h, 2, /rev 5: the data key was put without its meta, neither by the driver's drift edit nor restoring the value gen 2 of bundle ns\/b expects/);
    });
  });

  describe('rule 3: nothing of an invalid generation reaches etcd', () => {
    it("fails an invalid generation's meta, and an invalid member's value under a valid generation's meta", () => {
      const bad = bgen(3, [['x', 1], ['y', 20, false], ['z', 4]]);
      const h = { ...bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4), ...bundleCommit(5, bad)]), bundleGenerations: [b1, b2, bad], final: undefined };
      expectAmong(h, 3, /a member of INVALID generation 3 of bundle ns\/b reached etcd/);
      const smuggled = gen2Commit(4).map((c) => (c.key === dataKey('y') ? { ...c, value: bad.members[1]!.canonical } : c));
      const h2 = { ...bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...smuggled]), bundleGenerations: [b1, b2, bad], final: undefined };
      expectAmong(h2, 3, /etcd holds the data of an INVALID member of gen 3 of bundle ns\/b/);
    });
  });

  describe('rule 4: the settled state', () => {
    it('fails a bundle not Ready at its last generation, and etcd holding another value than its last generation', () => {
      const h = bundleHistory();
      expectOnly({ ...h, final: { ...h.final!, bundles: [settled(b2, ready(b1, 3, { generation: 2 }))] } }, 4, /bundle ns\/b never observed its last gen/);
      expectOnly({ ...h, final: { ...h.final!, etcd: { ...h.final!.etcd, [dataKey('y')]: b1.members[1]!.canonical } } }, 4, /etcd holds [0-9a-f]{12} for bundle ns\/b, not its last gen's/);
    });

    it("fails a key still owned by the bundle that its last generation does not have, and a deleted bundle's keys left behind", () => {
      const h = bundleHistory();
      const leftover = { ...h.final!.etcd, [dataKey('w')]: b1.members[2]!.canonical, [metaKey('w')]: metaValue(b1, 'w', b1.members[2]!.canonical) };
      expectOnly({ ...h, final: { ...h.final!, etcd: leftover } }, 4, /bundle ns\/b's last gen has no member here, yet etcd's meta still names it/);
      const deleted = { ...h, deletions: [{ uid: 'uid-b', namespace: 'ns', name: 'b', at: 50 }], final: { ...h.final!, bundles: [] } };
      expectAmong(deleted, 4, /ns\/b was deleted but its keys are still in etcd/);
      expectAmong(deleted, 4, /a bundle record naming uid uid-b, which no live bundle has/);
    });

    it('fails an invalid last generation that is not Stalled', () => {
      const bad = bgen(3, [['x', 1, false]]);
      const h = bundleHistory();
      const status = ready(b2, 4, { generation: 3, observedGeneration: 3 });
      expectOnly({ ...h, bundleGenerations: [b1, b2, bad], final: { ...h.final!, bundles: [settled(bad, status)] } }, 4, /last gen is invalid, yet it is not Stalled/);
    });

    it('fails a bundle sharing a key with a live entry that is not Stalled KeyConflict, and passes it Stalled', () => {
      const text = expected(limits(7));
      const entry: GenerationWritten = { uid: 'uid-e', namespace: 'ns', name: 'e', generation: 1, dataKey: dataKey('k'), valid: true, canonical: text, hash: hashOf(text), at: 1 };
      const entryMeta = canonical({ uid: 'uid-e', generation: 1, dataHash: hashOf(text), namespace: 'ns', name: 'e', schema: 'rate-limits@v1', committedAt: 'x', fence: '2' });
      const entryChanges: EtcdChange[] = [
        { revision: 5, key: dataKey('k'), type: 'put', value: text },
        { revision: 5, key: metaKey('k'), type: 'put', value: entryMeta },
      ];
      const entryReady = { uid: 'uid-e', namespace: 'ns', name: 'e', generation: 1, observedGeneration: 1, ready: 'True', reason: 'Committed', stalled: false, key: dataKey('k'), revision: 5, dataHash: hashOf(text), at: 2 };
      const b3 = bgen(3, [['x', 1], ['k', 9]]);
      const h = bundleHistory([fence(2, 'replica-1'), ...bundleCommit(3, b1), ...gen2Commit(4), ...entryChanges]);
      const base = { ...h, generations: [entry], statuses: [entryReady], bundleGenerations: [b1, b2, b3], replicas: [{ identity: 'replica-1', commits: [3, 4, 5] }] };
      const notStalled = ready(b2, 4, { generation: 3, observedGeneration: 3, ready: 'False', reason: 'EtcdUnavailable', members: undefined });
      const entries = [{ uid: 'uid-e', namespace: 'ns', name: 'e', generation: 1, deleting: false, status: entryReady }];
      expectOnly({ ...base, final: { ...h.final!, entries, bundles: [settled(b3, notStalled)] } }, 4, /shares \/p\/data\/ns\/k with the owner ns\/e but is not Stalled KeyConflict/);
      const stalled = { ...notStalled, reason: 'KeyConflict', stalled: true };
      expect(violationsOf({ ...base, final: { ...h.final!, entries, bundles: [settled(b3, stalled)] } })).toEqual([]);
    });
  });
});
