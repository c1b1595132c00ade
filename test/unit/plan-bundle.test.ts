import { describe, expect, it } from 'vitest';
import { MAX_BUNDLE_MEMBERS } from '../../src/api/names.ts';
import { planBundle } from '../../src/domain/plan-bundle.ts';
import { NOTHING_PRUNED } from '../../src/domain/pruned-fields.ts';
import type { SchemaLookup } from '../../src/domain/validate.ts';
import { plan } from '../../src/domain/plan.ts';
import { txnOperationCount } from '../../src/domain/txn-limits.ts';
import { BCTX, BUNDLE_UID, bundle, bundleMeta, committed, dataKey, member, metaKey, RECORD_KEY, recordValue, stored, statusOf } from './bundle-fixtures.ts';
import { CTX, entry, metaValue, observed, present } from './fixtures.ts';

const FENCE = { kind: 'modRevision', key: '/cairn/fence', equals: '7' };
const db = member('checkout/db');
const limits = member('checkout/limits');
const absent = (key: string) => ({ kind: 'absent', key });
const at = (key: string, revision: string) => ({ kind: 'modRevision', key, equals: revision });
const put = (key: string, value: string) => ({ kind: 'put', key, value });
const del = (key: string) => ({ kind: 'delete', key });

/** The meta value planBundle writes for `m` at generation 4 (the bundle fixture's) at CTX.now. */
const metaPut = (m = db) => put(metaKey(m.key), bundleMeta(m, { generation: 4, committedAt: '2030-01-02T03:04:05Z', fence: '7' }));
/** The bundle record planBundle writes naming `members`, at generation 4 at CTX.now under fence 7. */
const recordPut = (members: readonly ReturnType<typeof member>[]) => put(RECORD_KEY, recordValue(members, { generation: 4, committedAt: '2030-01-02T03:04:05Z', fence: '7' }));

describe('planBundle: one invalid member blocks the whole bundle, naming it', () => {
  it.each([
    ['invalid data', [db, { ...limits, data: { host: 'db' } }], 'InvalidData', 'member checkout/limits: spec.members[1].data.database: required; spec.members[1].data.user: required'],
    ['an unknown schema', [{ ...db, schema: 'nope@v1' }, limits], 'UnknownSchema', /^member checkout\/db: spec\.members\[0\]\.schema: no schema "nope@v1"/],
    ['a bad key', [db, { ...limits, key: 'a/../b' }], 'InvalidKey', `spec.members[1].key: must not contain '.' or '..' segments: "a/../b"`],
    ['a key twice', [db, limits, { ...db, data: { ...db.data, user: 'x' } }], 'InvalidKey', 'spec.members[2].key: "checkout/db" is also the key of spec.members[0]; keys are unique within a bundle'],
  ])('%s -> invalid, nothing written', (_, members, reason, message) => {
    const decision = planBundle(bundle({ members }), {}, BCTX);
    expect(decision).toMatchObject({ kind: 'invalid', reason });
    if (decision.kind === 'invalid') expect(decision.message).toMatch(message instanceof RegExp ? message : new RegExp(`^${escape(message)}$`));
  });
});

describe("planBundle: etcd's limits, before etcd is asked", () => {
  const many = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => member(`${prefix}/${i}`, `d${i}`));

  it(`allows exactly ${MAX_BUNDLE_MEMBERS} members with --max-txn-ops 128 (2 + 2n compares and else-reads: the fence, the record, each member's pair) and refuses one more`, () => {
    expect(MAX_BUNDLE_MEMBERS).toBe(63);
    const fits = planBundle(bundle({ members: many(63) }), {}, BCTX);
    expect(fits.kind).toBe('commit');
    if (fits.kind === 'commit') expect(txnOperationCount(fits.txn)).toBe(128);
    expect(planBundle(bundle({ members: many(64) }), {}, BCTX)).toMatchObject({
      kind: 'invalid',
      reason: 'BundleTooLarge',
      message: expect.stringMatching(/^this generation's transaction \(64 members, 0 removed\) needs 130 operations .*etcd allows 128 \(--max-txn-ops\)/),
    });
  });

  it('counts the members a generation removes: 60 kept + 3 removed fit (127 puts and deletes, the record included), 60 + 4 do not', () => {
    const kept = many(60);
    const withRemoved = (r: number) => bundle({ members: kept, status: statusOf([...kept, ...many(r, 'gone')]) });
    expect(planBundle(withRemoved(3), undefined, BCTX).kind).toBe('needsRead');
    expect(planBundle(withRemoved(4), undefined, BCTX)).toMatchObject({ kind: 'invalid', reason: 'BundleTooLarge', message: expect.stringContaining('(60 members, 4 removed) needs 129 operations') });
  });

  it('counts the members the record says a generation removes, once the record is observed', () => {
    const kept = many(60);
    const etcd = committed([...kept, ...many(4, 'gone')]);
    expect(planBundle(bundle({ members: kept, status: statusOf(kept) }), etcd, BCTX)).toMatchObject({ kind: 'invalid', reason: 'BundleTooLarge', message: expect.stringContaining('(60 members, 4 removed)') });
  });

  it('follows the configured --max-txn-ops', () => {
    expect(planBundle(bundle({ members: many(3) }), {}, { ...BCTX, maxTxnOps: 7 })).toMatchObject({ kind: 'invalid', reason: 'BundleTooLarge' });
    expect(planBundle(bundle({ members: many(3) }), {}, { ...BCTX, maxTxnOps: 8 }).kind).toBe('commit');
  });

  it('refuses a bundle whose data passes the request limit', () => {
    const big = (key: string) => ({ key, schema: 'database@v1', data: { host: 'h'.repeat(250), database: 'd', user: 'u' } });
    const members = Array.from({ length: 8 }, (_, i) => big(`big/${i}`));
    expect(planBundle(bundle({ members }), {}, { ...BCTX, maxRequestBytes: 4000 })).toMatchObject({
      kind: 'invalid',
      reason: 'BundleTooLarge',
      message: expect.stringMatching(/is about \d+ bytes; etcd accepts requests up to 4000 bytes \(--max-request-bytes\)/),
    });
  });
});

describe('planBundle: a generation is one guarded transaction', () => {
  it('commits a new bundle: fence, record and each key absent; data and meta of every member, the record; reads back all on failure', () => {
    expect(planBundle(bundle(), {}, BCTX)).toEqual({
      kind: 'commit',
      cause: 'generation',
      assumedAbsent: false,
      driftCorrected: false,
      pruned: NOTHING_PRUNED,
      members: [
        { key: dataKey(db.key), dataHash: stored(db).dataHash, schema: 'database@v1' },
        { key: dataKey(limits.key), dataHash: stored(limits).dataHash, schema: 'database@v1' },
      ],
      pairs: [
        { relative: db.key, data: dataKey(db.key), meta: metaKey(db.key) },
        { relative: limits.key, data: dataKey(limits.key), meta: metaKey(limits.key) },
      ],
      dataHashes: new Map([
        [dataKey(db.key), stored(db).dataHash],
        [dataKey(limits.key), stored(limits).dataHash],
      ]),
      txn: {
        compares: [FENCE, absent(RECORD_KEY), absent(metaKey(db.key)), absent(dataKey(db.key)), absent(metaKey(limits.key)), absent(dataKey(limits.key))],
        operations: [put(dataKey(db.key), stored(db).canonical), metaPut(db), put(dataKey(limits.key), stored(limits).canonical), metaPut(limits), recordPut([db, limits])],
        readBackOnFailure: ['/cairn/fence', RECORD_KEY, dataKey(db.key), metaKey(db.key), dataKey(limits.key), metaKey(limits.key)],
      },
    });
  });

  it('assumes every key absent when the view cannot tell and status shows no commit; asks for a read when it does', () => {
    expect(planBundle(bundle(), undefined, BCTX)).toMatchObject({ kind: 'commit', assumedAbsent: true });
    expect(planBundle(bundle({ status: statusOf([db, limits]) }), undefined, BCTX)).toEqual({
      kind: 'needsRead',
      keys: [RECORD_KEY, dataKey(db.key), metaKey(db.key), dataKey(limits.key), metaKey(limits.key)],
    });
  });

  it('a changed member: its data, and the meta of every member (the generation), guarded by what was seen', () => {
    const changed = member('checkout/limits', 'other');
    const decision = planBundle(bundle({ members: [db, changed], status: statusOf([db, limits]) }), committed([db, limits]), BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation' });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.compares).toEqual([FENCE, at(RECORD_KEY, '50'), at(metaKey(db.key), '50'), at(dataKey(db.key), '50'), at(metaKey(limits.key), '50'), at(dataKey(limits.key), '50')]);
    expect(decision.txn.operations).toEqual([metaPut(db), put(dataKey(changed.key), stored(changed).canonical), metaPut(changed), recordPut([db, changed])]);
  });

  it.each([
    ['Delete', [del(dataKey(limits.key)), del(metaKey(limits.key))]],
    ['Retain', [del(metaKey(limits.key))]],
  ] as const)('a removed member is deleted in the same transaction under %s', (deletionPolicy, removal) => {
    const decision = planBundle(bundle({ members: [db], spec: { deletionPolicy }, status: statusOf([db, limits]) }), committed([db, limits]), BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation' });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.compares).toEqual([FENCE, at(RECORD_KEY, '50'), at(metaKey(db.key), '50'), at(dataKey(db.key), '50'), at(metaKey(limits.key), '50')]);
    expect(decision.txn.operations).toEqual([metaPut(db), ...removal, recordPut([db])]);
    expect(decision.members.map((m) => m.key)).toEqual([dataKey(db.key)]);
  });

  it('leaves a removed member alone that is no longer its own: only the record (with every meta) drops it', () => {
    const etcd = { ...committed([db, limits]), [metaKey(limits.key)]: present(metaValue({ uid: 'entry-uid' }), '55') };
    const decision = planBundle(bundle({ members: [db], status: statusOf([db, limits]) }), etcd, BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation' });
    if (decision.kind === 'commit') expect(decision.txn.operations).toEqual([metaPut(db), recordPut([db])]);
  });

  it('writes nothing when every member is in place, reporting the newest revision of their keys', () => {
    const etcd = { ...committed([db, limits], '50'), ...committed([limits], '52', false) };
    expect(planBundle(bundle({ status: statusOf([db, limits]) }), etcd, BCTX)).toEqual({
      kind: 'upToDate',
      revision: '52',
      members: statusOf([db, limits]).members,
      pruned: NOTHING_PRUNED,
    });
  });

  it('names every member\'s pruned fields under the member, in spec order, in a commit and when up to date', () => {
    // An engine that prunes `prot` from any value, returning what zod stores for the rest.
    const engineSchemas = (): SchemaLookup => ({
      kind: 'ready',
      schema: { validate: (data) => ({ ok: true, value: JSON.parse(stored({ ...db, data: data as Record<string, unknown> }).canonical) as unknown, warnings: ['unknown field "spec.data.prot"'] }), release: () => {} },
    });
    const pruned = { paths: ['spec.members[0].data.prot', 'spec.members[1].data.prot'], count: 2 };
    expect(planBundle(bundle(), {}, { ...BCTX, engineSchemas })).toMatchObject({ kind: 'commit', pruned });
    const etcd = { ...committed([db, limits], '50') };
    expect(planBundle(bundle({ status: statusOf([db, limits]) }), etcd, { ...BCTX, engineSchemas })).toMatchObject({ kind: 'upToDate', pruned });
  });

  it('writes nothing for a change of policy only', () => {
    const b = bundle({ spec: { driftPolicy: 'Report', deletionPolicy: 'Retain' }, metadata: { generation: 9 }, status: statusOf([db, limits]) });
    expect(planBundle(b, committed([db, limits]), BCTX).kind).toBe('upToDate');
  });

  it('writes nothing for a spec that only reorders the members the record names', () => {
    expect(planBundle(bundle({ members: [limits, db], status: statusOf([db, limits]) }), committed([db, limits]), BCTX).kind).toBe('upToDate');
  });

  it('adopts identical unowned values as a generation', () => {
    const etcd = { [dataKey(db.key)]: present(stored(db).canonical, '40') };
    const decision = planBundle(bundle(), etcd, BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation' });
    if (decision.kind === 'commit') expect(decision.txn.compares).toContainEqual(at(dataKey(db.key), '40'));
  });
});

describe('planBundle: ownership follows the entry rules', () => {
  it('a key owned by an entry cannot be taken by a bundle: KeyConflict naming the entry', () => {
    const etcd = { [dataKey(limits.key)]: present('{}', '40'), [metaKey(limits.key)]: present(metaValue({ uid: 'entry-uid', name: 'limits' }), '40') };
    expect(planBundle(bundle(), etcd, BCTX)).toEqual({
      kind: 'keyConflict',
      owner: { kind: 'ConfigEntry', namespace: 'shop', name: 'limits', uid: 'entry-uid' },
      message: `${dataKey(limits.key)} is owned by ConfigEntry shop/limits (uid entry-uid); its value is left untouched`,
    });
  });

  it('and the other way round: an entry cannot take a bundle member, KeyConflict naming the bundle', () => {
    const e = entry({ spec: { key: 'checkout/db' } });
    const decision = plan(e, observed(present(stored(db).canonical, '50'), present(bundleMeta(db), '50')), CTX);
    expect(decision).toMatchObject({
      kind: 'keyConflict',
      owner: { kind: 'ConfigBundle', namespace: 'shop', name: 'checkout', uid: BUNDLE_UID },
      message: `${dataKey(db.key)} is owned by ConfigBundle shop/checkout (uid ${BUNDLE_UID}); its value is left untouched`,
    });
  });

  it('refuses a different unowned value (ValueConflict), writing nothing', () => {
    expect(planBundle(bundle(), { [dataKey(limits.key)]: present('{"x":1}', '40') }, BCTX)).toMatchObject({ kind: 'valueConflict', message: expect.stringContaining('differs from spec.members[1].data') });
  });

  it('asks for a read when a removed member meta was not kept by the view', () => {
    const etcd = { ...committed([db], '50', false), [metaKey(limits.key)]: { exists: true as const, hash: 'sha256:x', modRevision: '50', createRevision: '50' } };
    expect(planBundle(bundle({ members: [db], status: statusOf([db, limits]) }), etcd, BCTX)).toMatchObject({ kind: 'needsRead' });
  });
});

describe('planBundle: the members a generation removes come from the bundle record', () => {
  const extra = member('checkout/extra');

  it('deletes a member the record names although status never did (a generation whose status patch was lost)', () => {
    const decision = planBundle(bundle({ members: [db], status: statusOf([db]) }), committed([db, extra]), BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation', pairs: [{ data: dataKey(db.key) }, { data: dataKey(extra.key) }] });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.compares).toContainEqual(at(metaKey(extra.key), '50'));
    expect(decision.txn.operations).toEqual([metaPut(db), del(dataKey(extra.key)), del(metaKey(extra.key)), recordPut([db])]);
  });

  it('asks for a read of a removed member only the record names when it was not observed (the view keeps claimed keys only)', () => {
    const etcd = { ...committed([db]), [RECORD_KEY]: present(recordValue([db, extra]), '50') };
    expect(planBundle(bundle({ members: [db], status: statusOf([db]) }), etcd, BCTX)).toEqual({
      kind: 'needsRead',
      keys: [RECORD_KEY, dataKey(db.key), metaKey(db.key), metaKey(extra.key)],
    });
  });

  it('asks for a read when the view kept only the record\'s hash', () => {
    const hashOnly = { exists: true as const, hash: 'sha256:x', modRevision: '50', createRevision: '50' };
    expect(planBundle(bundle({ status: statusOf([db, limits]) }), { ...committed([db, limits]), [RECORD_KEY]: hashOnly }, BCTX)).toMatchObject({ kind: 'needsRead' });
  });

  it('falls back to status.members for a bundle committed before records, and writes the record with that generation', () => {
    const decision = planBundle(bundle({ members: [db], status: statusOf([db, limits]) }), committed([db, limits], '50', false), BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation' });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.compares).toContainEqual(absent(RECORD_KEY));
    expect(decision.txn.operations).toEqual([metaPut(db), del(dataKey(limits.key)), del(metaKey(limits.key)), recordPut([db])]);
  });

  it('writes the record, with every member meta and no data, when every member is in place but there is no record', () => {
    const decision = planBundle(bundle({ status: statusOf([db, limits]) }), committed([db, limits], '50', false), BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation', driftCorrected: false });
    if (decision.kind === 'commit') expect(decision.txn.operations).toEqual([metaPut(db), metaPut(limits), recordPut([db, limits])]);
  });

  it("takes nothing from another bundle's record under this name (a former bundle's uid), and replaces it guarded by its revision", () => {
    const etcd = { ...committed([db, limits]), [RECORD_KEY]: present(recordValue([db, limits, extra], { uid: 'former-uid' }), '44') };
    const decision = planBundle(bundle({ status: statusOf([db, limits]) }), etcd, BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation' });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.compares).toContainEqual(at(RECORD_KEY, '44'));
    expect(decision.txn.operations.map((op) => op.key)).toEqual([metaKey(db.key), metaKey(limits.key), RECORD_KEY]);
  });

  it('does not trust a record that is not Cairn\'s (a key outside the namespace) to name members', () => {
    const etcd = { ...committed([db]), [RECORD_KEY]: present(recordValue([db, { ...extra, key: '../billing/db' }]), '50') };
    const decision = planBundle(bundle({ members: [db], status: statusOf([db]) }), etcd, BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation' });
    if (decision.kind === 'commit') expect(decision.txn.operations).toEqual([metaPut(db), recordPut([db])]);
  });
});

describe('planBundle: drift on one member', () => {
  const drifted = { ...committed([db, limits]), [dataKey(limits.key)]: present('{"edited":true}', '60') };

  it('under Correct restores that member only: one put, every member guarded', () => {
    const decision = planBundle(bundle({ status: statusOf([db, limits]) }), drifted, BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'correctDrift', driftCorrected: true });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.operations).toEqual([put(dataKey(limits.key), stored(limits).canonical)]);
    expect(decision.txn.compares).toEqual([FENCE, at(metaKey(db.key), '50'), at(dataKey(db.key), '50'), at(metaKey(limits.key), '50'), at(dataKey(limits.key), '60')]);
    // What the plan after a failure (or an unknown outcome) needs: the record too, else it looks absent and is rewritten.
    expect(decision.txn.readBackOnFailure).toEqual(['/cairn/fence', RECORD_KEY, dataKey(db.key), metaKey(db.key), dataKey(limits.key), metaKey(limits.key)]);
  });

  it('under Report writes nothing and names the member', () => {
    const decision = planBundle(bundle({ spec: { driftPolicy: 'Report' }, status: statusOf([db, limits]) }), drifted, BCTX);
    expect(decision).toMatchObject({ kind: 'driftReported', message: expect.stringMatching(new RegExp(`^${escape(dataKey(limits.key))} holds a value changed outside Cairn`)) });
  });

  it('a new generation writes a member drifted under Report too: the whole new set', () => {
    const changed = member('checkout/db', 'other');
    const decision = planBundle(bundle({ members: [changed, limits], spec: { driftPolicy: 'Report' }, status: statusOf([db, limits]) }), drifted, BCTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'generation' });
    if (decision.kind === 'commit') expect(decision.txn.operations.map((op) => op.key)).toEqual([dataKey(db.key), metaKey(db.key), dataKey(limits.key), metaKey(limits.key), RECORD_KEY]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
