/**
 * The chaos checker on hand-made histories: a clean one passes, and each rule catches a history
 * built to break it (so a checker that accepted everything would fail here).
 */
import { describe, expect, it } from 'vitest';
import { check, formatViolation, summary, type Violation } from '../../../tools/chaos/checker.ts';
import { canonical, hashOf, withDefaults, type RateLimits } from '../../../tools/chaos/expected.ts';
import type { EtcdChange, FinalEntry, GenerationWritten, History, StatusSeen } from '../../../tools/chaos/history.ts';

const P = '/p';
const dataKey = (name: string): string => `${P}/data/ns/${name}`;
const metaKey = (name: string): string => `${P}/meta/ns/${name}`;
const limits = (rps: number, burst = rps * 2): RateLimits => ({ routes: [{ route: '/api', requestsPerSecond: rps, burst }] });

function gen(uid: string, name: string, generation: number, data: RateLimits, options: { valid?: boolean; key?: string } = {}): GenerationWritten {
  const valid = options.valid ?? true;
  const text = canonical(valid ? withDefaults(data) : data);
  return { uid, namespace: 'ns', name, generation, dataKey: dataKey(options.key ?? name), valid, canonical: text, hash: hashOf(text), at: generation * 10 };
}

/** A commit of `g` at `revision`, its meta naming the fence revision its transaction compared (2: the clean history's; null: none). */
function commit(revision: number, g: GenerationWritten, value = g.canonical, fenceRevision: number | null = 2): EtcdChange[] {
  const meta = canonical({ uid: g.uid, generation: g.generation, dataHash: hashOf(value), namespace: 'ns', name: g.name, schema: 'rate-limits@v1', committedAt: 'x', ...(fenceRevision === null ? {} : { fence: String(fenceRevision) }) });
  return [
    { revision, key: g.dataKey, type: 'put', value },
    { revision, key: g.dataKey.replace('/data/', '/meta/'), type: 'put', value: meta },
  ];
}

const fence = (revision: number, holder: string): EtcdChange => ({ revision, key: `${P}/fence`, type: 'put', value: JSON.stringify({ holder, acquiredAt: 'x' }) });

function ready(g: GenerationWritten, revision: number, overrides: Partial<StatusSeen> = {}): StatusSeen {
  return { uid: g.uid, namespace: 'ns', name: g.name, generation: g.generation, observedGeneration: g.generation, ready: 'True', reason: 'Committed', stalled: false, key: g.dataKey, revision, dataHash: g.hash, at: g.at + 1, ...overrides };
}

function settled(g: GenerationWritten, status: StatusSeen | undefined): FinalEntry {
  return { uid: g.uid, namespace: 'ns', name: g.name, generation: g.generation, deleting: false, status };
}

const a1 = gen('uid-a', 'a', 1, limits(10));
const a2 = gen('uid-a', 'a', 2, limits(20));

/** A clean run: a fence, two generations of `a` committed in order, Ready for each, settled. */
function cleanHistory(): History {
  return {
    prefix: P,
    generations: [a1, a2],
    deletions: [],
    statuses: [ready(a1, 3), ready(a2, 4)],
    etcd: [fence(2, 'replica-1'), ...commit(3, a1), ...commit(4, a2)],
    driftEdits: [],
    replicas: [{ identity: 'replica-1', commits: [3, 4] }],
    bundleGenerations: [],
    bundleStatuses: [],
    reader: [],
    final: { entries: [settled(a2, ready(a2, 4))], bundles: [], etcd: { [dataKey('a')]: a2.canonical, [metaKey('a')]: commit(4, a2)[1]?.value ?? '' }, leakedPids: [] },
  };
}

function violationsOf(history: History): Violation[] {
  return [...check(history).violations];
}

function expectOnly(history: History, rule: Violation['rule'], message: RegExp): void {
  const found = violationsOf(history);
  expect(found.map((v) => `${v.rule}: ${v.message}`)).toEqual([expect.stringMatching(new RegExp(`^${rule}: .*${message.source}`))]);
}

describe('chaos checker', () => {
  it('passes a clean history and counts what it checked', () => {
    const verdict = check(cleanHistory());
    expect(verdict.violations).toEqual([]);
    expect(verdict.operations).toBeGreaterThan(8);
    expect(summary(verdict)).toMatch(/^\d+ operations checked, 0 violations$/);
  });

  describe('rule 1: a Ready status names a commit etcd made', () => {
    it('fails a Ready at a revision where etcd did not put the data key', () => {
      const h = cleanHistory();
      expectOnly({ ...h, statuses: [...h.statuses, ready(a2, 7)] }, 1, /etcd did not put the data key/);
    });

    it("fails a Ready whose hash is not its generation's expected value", () => {
      const h = cleanHistory();
      expectOnly({ ...h, statuses: [ready(a2, 4, { dataHash: a1.hash })] }, 1, /hashes to/);
    });

    it("fails a Ready at a revision whose meta names another entry", () => {
      const b1 = gen('uid-b', 'b', 1, limits(20), { key: 'a' });
      const h = cleanHistory();
      const etcd = [fence(2, 'replica-1'), ...commit(3, a1), ...commit(4, b1)];
      const found = violationsOf({ ...h, generations: [a1, a2, b1], etcd, final: undefined });
      expect(found.some((v) => v.rule === 1 && /meta names uid-b/.test(v.message))).toBe(true);
    });

    it('fails a Ready for an invalid generation', () => {
      const bad = gen('uid-a', 'a', 3, limits(10, 1), { valid: false });
      const h = cleanHistory();
      expectOnly({ ...h, generations: [a1, a2, bad], statuses: [...h.statuses, ready(bad, 4)] }, 1, /Ready at INVALID gen 3/);
    });
  });

  describe('rule 2: etcd follows the owners in order', () => {
    it('fails an older generation written after a newer one', () => {
      const h = cleanHistory();
      expectOnly({ ...h, etcd: [...h.etcd, ...commit(5, a1)], final: undefined }, 2, /gen 1 written after gen 2/);
    });

    it('fails a value no generation had', () => {
      const h = cleanHistory();
      const odd = canonical({ routes: [] });
      expectOnly({ ...h, etcd: [fence(2, 'replica-1'), ...commit(3, a1), ...commit(4, a2, odd)], statuses: [], final: undefined }, 2, /a value gen 2 never had/);
    });

    it("fails a data put without meta unless it is the driver's drift edit", () => {
      const h = cleanHistory();
      const edit: EtcdChange = { revision: 5, key: dataKey('a'), type: 'put', value: '{"x":1}' };
      expectOnly({ ...h, etcd: [...h.etcd, edit], final: undefined }, 2, /without its meta, and not by the driver/);
      expect(violationsOf({ ...h, etcd: [...h.etcd, edit], driftEdits: [{ key: edit.key, value: '{"x":1}', revision: 5 }], final: undefined })).toEqual([]);
    });

    it("fails a write over another entry's key", () => {
      const b1 = gen('uid-b', 'b', 1, limits(30), { key: 'a' });
      const h = cleanHistory();
      expectOnly({ ...h, generations: [a1, a2, b1], etcd: [...h.etcd, ...commit(5, b1)], final: undefined }, 2, /wrote over a key owned by ns\/a/);
    });

    it('fails a commit a replica logged while the fence at that revision named another holder (a deposed leader\'s write), though etcd\'s history alone is consistent', () => {
      const h = cleanHistory();
      const late = commit(5, a2, a2.canonical, 4); // its meta names the fence etcd held: the txn compared it and applied
      const etcd = [fence(2, 'replica-1'), ...commit(3, a1), fence(4, 'replica-2'), ...late];
      const statuses = [ready(a1, 3), ready(a2, 5)];
      const final = { ...h.final!, entries: [settled(a2, ready(a2, 5))], etcd: { [dataKey('a')]: a2.canonical, [metaKey('a')]: late[1]?.value ?? '' } };
      const replicas = [{ identity: 'replica-1', commits: [3, 5] }, { identity: 'replica-2', commits: [] }];
      expect(violationsOf({ ...h, etcd, statuses, final, replicas: [{ identity: 'replica-1', commits: [3] }, { identity: 'replica-2', commits: [5] }] })).toEqual([]);
      expectOnly({ ...h, etcd, statuses, final, replicas }, 2, /replica-1 committed while the fence \(rev 4\) was held by replica-2: a write by a deposed leader/);
    });

    it('fails a meta record naming a fence other than the one etcd held at its revision (the record misstates its compare: etcd applies a transaction only while its fence compare holds)', () => {
      const h = cleanHistory();
      const late = commit(5, a2); // its meta names fence 2, but replica-2 fenced at 4
      const etcd = [fence(2, 'replica-1'), ...commit(3, a1), fence(4, 'replica-2'), ...late];
      const statuses = [ready(a1, 3), ready(a2, 5)];
      const final = { ...h.final!, entries: [settled(a2, ready(a2, 5))], etcd: { [dataKey('a')]: a2.canonical, [metaKey('a')]: late[1]?.value ?? '' } };
      expectOnly({ ...h, etcd, statuses, final, replicas: [] }, 2, /meta names fence rev 2 while the fence was at rev 4 \(held by replica-2\)/);
    });

    it('passes writes under each fence the leader moved to, and fails a meta record that names no fence', () => {
      const h = cleanHistory();
      const moved = [fence(2, 'replica-1'), ...commit(3, a1), fence(4, 'replica-1'), ...commit(5, a2, a2.canonical, 4)];
      const final = { ...h.final!, entries: [settled(a2, ready(a2, 5))], etcd: { [dataKey('a')]: a2.canonical, [metaKey('a')]: moved.at(-1)?.value ?? '' } };
      expect(violationsOf({ ...h, etcd: moved, statuses: [ready(a1, 3), ready(a2, 5)], final, replicas: [{ identity: 'replica-1', commits: [3, 5] }] })).toEqual([]);

      expectOnly({ ...h, etcd: [fence(2, 'replica-1'), ...commit(3, a1, a1.canonical, null), ...commit(4, a2)], final: undefined }, 2, /names no fence revision/);
    });

    it('fails a meta change without its data key', () => {
      const h = cleanHistory();
      const metaOnly = commit(5, a2)[1]!;
      expectOnly({ ...h, etcd: [...h.etcd, metaOnly], final: undefined }, 2, /meta key changed without its data key/);
    });

    it('fails deleting the keys of an entry that was never deleted', () => {
      const h = cleanHistory();
      const gone: EtcdChange[] = [
        { revision: 5, key: dataKey('a'), type: 'delete' },
        { revision: 5, key: metaKey('a'), type: 'delete' },
      ];
      expectOnly({ ...h, etcd: [...h.etcd, ...gone], final: undefined }, 2, /which was never deleted/);
    });
  });

  describe('rule 3: no invalid value ever appears', () => {
    it('fails a commit of an invalid generation', () => {
      const bad = gen('uid-a', 'a', 3, limits(10, 1), { valid: false });
      const h = cleanHistory();
      expectOnly({ ...h, generations: [a1, a2, bad], etcd: [...h.etcd, ...commit(5, bad)], final: undefined }, 3, /INVALID generation 3/);
    });

    it("fails an invalid generation's data stored under a valid generation's meta", () => {
      const bad = gen('uid-a', 'a', 3, limits(10, 1), { valid: false });
      const h = cleanHistory();
      expectOnly({ ...h, generations: [a1, a2, bad], etcd: [...h.etcd, ...commit(5, a2, bad.canonical)], final: undefined }, 3, /data of INVALID generation 3/);
    });
  });

  describe('rule 4: the settled state', () => {
    it('fails an entry not Ready at its last generation', () => {
      const h = cleanHistory();
      expectOnly({ ...h, final: { ...h.final!, entries: [settled(a2, ready(a1, 3, { generation: 2 }))] } }, 4, /never observed its last gen/);
    });

    it('fails etcd holding another value than the last generation', () => {
      const h = cleanHistory();
      expectOnly({ ...h, final: { ...h.final!, etcd: { ...h.final!.etcd, [dataKey('a')]: a1.canonical } } }, 4, /etcd holds .* for ns\/a, not its last gen/);
    });

    it('fails a deleted entry that left its keys', () => {
      const h = cleanHistory();
      const final = { ...h.final!, entries: [] };
      expectOnly({ ...h, deletions: [{ uid: 'uid-a', namespace: 'ns', name: 'a', at: 50 }], final }, 4, /was deleted but its keys are still in etcd/);
    });

    it('fails an invalid last generation that is not Stalled', () => {
      const bad = gen('uid-a', 'a', 3, limits(10, 1), { valid: false });
      const h = cleanHistory();
      const status = ready(a2, 4, { generation: 3, observedGeneration: 3, ready: 'True' });
      expectOnly({ ...h, generations: [a1, a2, bad], final: { ...h.final!, entries: [settled(bad, status)] } }, 4, /last gen is invalid, yet it is not Stalled/);
    });

    it('fails the loser of a shared key that is not Stalled KeyConflict', () => {
      const b1 = gen('uid-b', 'b', 1, limits(30), { key: 'a' });
      const h = cleanHistory();
      const loser = { uid: 'uid-b', namespace: 'ns', name: 'b', generation: 1, observedGeneration: 1, ready: 'False', reason: 'EtcdUnavailable', stalled: false, key: undefined, revision: undefined, dataHash: undefined, at: 60 };
      expectOnly({ ...h, generations: [a1, a2, b1], final: { ...h.final!, entries: [...h.final!.entries, settled(b1, loser)] } }, 4, /not Stalled KeyConflict/);
      const stalled = { ...loser, reason: 'KeyConflict', stalled: true };
      expect(violationsOf({ ...h, generations: [a1, a2, b1], final: { ...h.final!, entries: [...h.final!.entries, settled(b1, stalled)] } })).toEqual([]);
    });

    it('fails a process that outlived the run', () => {
      const h = cleanHistory();
      expectOnly({ ...h, final: { ...h.final!, leakedPids: [4242] } }, 4, /process 4242 outlived the run/);
    });
  });

  it('prints the key and the history that breaks a rule', () => {
    const h = cleanHistory();
    const [violation] = violationsOf({ ...h, etcd: [...h.etcd, ...commit(5, a1)], final: undefined });
    const text = formatViolation(violation!);
    expect(text).toContain(`rule 2 violated at ${dataKey('a')}`);
    expect(text).toMatch(/wrote ns\/a gen 2 \(uid uid-a\) valid/);
    expect(text).toMatch(/etcd rev 5: data [0-9a-f]{12}, meta uid uid-a gen 1, fence holder replica-1/);
  });
});

describe('chaos expectations (independent of src/)', () => {
  it('writes canonical JSON with sorted keys, no whitespace, and rate-limits defaults applied', () => {
    expect(canonical(withDefaults({ routes: [{ route: '/x', requestsPerSecond: 1, burst: 2 }] }))).toBe(
      '{"routes":[{"burst":2,"by":"client-ip","methods":["GET","HEAD","POST","PUT","PATCH","DELETE","OPTIONS"],"requestsPerSecond":1,"route":"/x"}]}',
    );
  });
});
