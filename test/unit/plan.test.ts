import { describe, expect, it } from 'vitest';
import { plan } from '../../src/domain/plan.ts';
import type { SchemaLookup } from '../../src/domain/validate.ts';
import type { CompiledSchema } from '../../src/schemas/engine/engine.ts';
import { NOTHING_PRUNED, summarizePruned } from '../../src/domain/pruned-fields.ts';
import { ABSENT, CTX, DATA_KEY, META_KEY, UID, desired, entry, metaValue, observed, present, storedMeta } from './fixtures.ts';

const keys = { relative: 'checkout/db', data: DATA_KEY, meta: META_KEY };
const fenceCompare = { kind: 'modRevision', key: '/cairn/fence', equals: '7' };
const { canonical, dataHash } = desired();
const expectedMeta = storedMeta({ dataHash, committedAt: '2030-01-02T03:04:05Z', fence: CTX.fence.revision });
const metaPut = {
  kind: 'put',
  key: META_KEY,
  value: `{"committedAt":"2030-01-02T03:04:05Z","dataHash":"${dataHash}","fence":"7","generation":3,"name":"checkout-db","namespace":"shop","schema":"database@v1","uid":"${UID}"}`,
};
const puts = [{ kind: 'put', key: DATA_KEY, value: canonical }, metaPut];
const readBack = ['/cairn/fence', META_KEY, DATA_KEY];

describe('plan: invalid specs write nothing', () => {
  it.each([
    ['a bad key', entry({ spec: { key: 'a/../b' } }), 'InvalidKey', `spec.key: must not contain '.' or '..' segments: "a/../b"`],
    ['an unknown schema', entry({ spec: { schema: 'nope@v1' } }), 'UnknownSchema', undefined],
    ['invalid data', entry({ spec: { data: { host: 'db' } } }), 'InvalidData', 'data.database: required; data.user: required'],
    ['data over the limit', entry({ spec: { data: { host: 'h'.repeat(253), database: 'd', user: 'u' } } }), undefined, undefined],
  ])('%s -> invalid', (_, e, reason, message) => {
    const decision = plan(e, observed(ABSENT, ABSENT), reason === undefined ? { ...CTX, maxBytes: 200 } : CTX);
    expect(decision.kind).toBe('invalid');
    if (decision.kind !== 'invalid') return;
    expect(decision.reason).toBe(reason ?? 'DataTooLarge');
    if (message !== undefined) expect(decision.message).toBe(message);
  });

  it('names metadata.name when the key defaults to it', () => {
    const e = entry({ spec: { key: undefined }, metadata: { name: 'x'.repeat(254) } });
    expect(plan(e, undefined, CTX)).toMatchObject({ kind: 'invalid', reason: 'InvalidKey', message: expect.stringMatching(/^metadata\.name \(the default key\): is 254 characters long/) });
  });
});

describe('plan: new keys', () => {
  it('commits a new entry with compares fence, meta absent, data absent', () => {
    expect(plan(entry(), observed(ABSENT, ABSENT), CTX)).toEqual({
      kind: 'commit',
      keys,
      cause: 'create',
      assumedAbsent: false,
      value: canonical,
      dataHash,
      schema: 'database@v1',
      pruned: NOTHING_PRUNED,
      meta: expectedMeta,
      txn: {
        compares: [fenceCompare, { kind: 'absent', key: META_KEY }, { kind: 'absent', key: DATA_KEY }],
        operations: puts,
        readBackOnFailure: readBack,
      },
    });
  });

  it('uses metadata.name as the key by default', () => {
    const decision = plan(entry({ spec: { key: undefined } }), observed(ABSENT, ABSENT), CTX);
    expect(decision).toMatchObject({ kind: 'commit', keys: { data: '/cairn/data/shop/checkout-db', meta: '/cairn/meta/shop/checkout-db' } });
  });

  it('assumes both keys absent when the cache does not know and status shows no commit', () => {
    const decision = plan(entry(), undefined, CTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'create', assumedAbsent: true });
    if (decision.kind === 'commit') expect(decision.txn.compares).toContainEqual({ kind: 'absent', key: META_KEY });
  });

  it('asks for a read when the cache does not know but status shows an earlier commit', () => {
    const e = entry({ status: { revision: '90', dataHash } });
    expect(plan(e, undefined, CTX)).toEqual({ kind: 'needsRead', keys });
  });
});

describe('plan: unowned values', () => {
  it.each([
    ['its canonical form', canonical],
    ['another spelling of the same JSON', JSON.stringify(JSON.parse(canonical), null, 2)],
  ])('adopts an identical unowned value (%s), guarded by the mod_revision it was read at, not by carrying the value', (_, stored) => {
    const decision = plan(entry(), observed(present(stored, '50'), ABSENT), CTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'adopt' });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.compares).toEqual([
      fenceCompare,
      { kind: 'absent', key: META_KEY },
      { kind: 'modRevision', key: DATA_KEY, equals: '50' },
    ]);
    expect(decision.txn.operations).toEqual(puts);
  });

  it('refuses a different unowned value', () => {
    const decision = plan(entry(), observed(present('{"host":"other"}', '50'), ABSENT), CTX);
    expect(decision).toMatchObject({ kind: 'valueConflict', keys });
    if (decision.kind === 'valueConflict') expect(decision.message).toMatch(/^\/cairn\/data\/shop\/checkout\/db already holds a value that no ConfigEntry or ConfigBundle owns/);
  });
});

describe('plan: owned keys', () => {
  it('reports a key owned by another entry, naming it', () => {
    const meta = present(metaValue({ uid: 'uid-2', name: 'other' }), '60');
    expect(plan(entry(), observed(present(canonical, '60'), meta), CTX)).toEqual({
      kind: 'keyConflict',
      keys,
      owner: { kind: 'ConfigEntry', namespace: 'shop', name: 'other', uid: 'uid-2' },
      message: '/cairn/data/shop/checkout/db is owned by ConfigEntry shop/other (uid uid-2); its value is left untouched',
    });
  });

  it('treats an unreadable meta record as a conflict', () => {
    expect(plan(entry(), observed(ABSENT, present('garbage', '60')), CTX)).toMatchObject({ kind: 'keyConflict', owner: undefined });
  });

  it('writes nothing when etcd already holds this value, owned by this entry', () => {
    const decision = plan(entry(), observed(present(canonical, '60'), present(metaValue(), '60')), CTX);
    expect(decision).toEqual({ kind: 'upToDate', keys, revision: '60', dataHash, schema: 'database@v1', pruned: NOTHING_PRUNED });
  });

  it('is up to date even when only the generation moved (same data, e.g. a policy change)', () => {
    const decision = plan(entry({ metadata: { generation: 4 } }), observed(present(canonical, '60'), present(metaValue(), '60')), CTX);
    expect(decision.kind).toBe('upToDate');
  });

  it('confirms a value etcd holds from a verdict already given, without validating again', () => {
    const judged: unknown[] = [];
    const schema: CompiledSchema = { validate: (data) => (judged.push(data), { ok: true, value: data, warnings: [] }), release: () => {} };
    const engineSchemas = (): SchemaLookup => ({ kind: 'ready', schema });
    const decision = plan(entry(), observed(present(canonical, '60'), present(metaValue(), '60')), { ...CTX, engineSchemas, confirmed: { schema: 'database@v1', dataHash, pruned: NOTHING_PRUNED } });
    expect(decision).toEqual({ kind: 'upToDate', keys, revision: '60', dataHash, schema: 'database@v1', pruned: NOTHING_PRUNED });
    expect(judged).toEqual([]);
  });

  it('names the fields pruned by the verdict it confirms, as the validation it stands for did', () => {
    const pruned = summarizePruned(['spec.data.prot']);
    const decision = plan(entry(), observed(present(canonical, '60'), present(metaValue(), '60')), { ...CTX, confirmed: { schema: 'database@v1', dataHash, pruned } });
    expect(decision).toMatchObject({ kind: 'upToDate', pruned });
  });

  it('names the fields the engine pruned, in a commit and when up to date', () => {
    // The value as stored (defaults applied), with one field pruned.
    const schema: CompiledSchema = { validate: () => ({ ok: true, value: JSON.parse(canonical) as unknown, warnings: ['unknown field "spec.data.prot"'] }), release: () => {} };
    const engineSchemas = (): SchemaLookup => ({ kind: 'ready', schema });
    const pruned = { paths: ['spec.data.prot'], count: 1 };
    expect(plan(entry(), observed(ABSENT, ABSENT), { ...CTX, engineSchemas })).toMatchObject({ kind: 'commit', pruned });
    expect(plan(entry(), observed(present(canonical, '60'), present(metaValue(), '60')), { ...CTX, engineSchemas })).toMatchObject({ kind: 'upToDate', pruned });
  });

  it('validates as usual when a verdict already given does not match what etcd holds (a changed value, or another schema)', () => {
    const changed = plan(entry(), observed(present('{"old":true}', '60'), present(metaValue({ dataHash: 'sha256:old' }), '60')), { ...CTX, confirmed: { schema: 'database@v1', dataHash: 'sha256:old', pruned: NOTHING_PRUNED } });
    expect(changed).toMatchObject({ kind: 'commit', cause: 'update', dataHash });
    const otherSchema = plan(entry(), observed(present(canonical, '60'), present(metaValue(), '60')), { ...CTX, confirmed: { schema: 'database@v2', dataHash, pruned: NOTHING_PRUNED } });
    expect(otherSchema).toEqual({ kind: 'upToDate', keys, revision: '60', dataHash, schema: 'database@v1', pruned: NOTHING_PRUNED });
  });

  it('updates when the spec produced a different value, guarded by both mod_revisions', () => {
    const meta = present(metaValue({ dataHash: 'sha256:old' }), '61');
    const decision = plan(entry(), observed(present('{"old":true}', '60'), meta), CTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'update' });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.compares).toEqual([
      fenceCompare,
      { kind: 'modRevision', key: META_KEY, equals: '61' },
      { kind: 'modRevision', key: DATA_KEY, equals: '60' },
    ]);
    expect(decision.txn.operations).toEqual(puts);
  });

  it('updates when only the schema id changed', () => {
    const meta = present(metaValue({ schema: 'database@v0' }), '61');
    expect(plan(entry(), observed(present(canonical, '60'), meta), CTX)).toMatchObject({ kind: 'commit', cause: 'update' });
  });

  it.each([
    ['changed', present('{"host":"evil"}', '70')],
    ['deleted', ABSENT],
  ])('corrects drift (data %s outside Cairn) when driftPolicy is Correct', (_, data) => {
    const decision = plan(entry(), observed(data, present(metaValue(), '60')), CTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'correctDrift' });
    if (decision.kind !== 'commit') return;
    expect(decision.txn.compares[2]).toEqual(data.exists ? { kind: 'modRevision', key: DATA_KEY, equals: '70' } : { kind: 'absent', key: DATA_KEY });
  });

  it.each([
    ['changed', present('{"host":"evil"}', '70'), /holds a value changed outside Cairn \(sha256:[0-9a-f]{64}, committed sha256:/],
    ['deleted', ABSENT, /was deleted outside Cairn; driftPolicy is Report, so it is left as it is$/],
  ])('reports drift (data %s) when driftPolicy is Report', (_, data, message) => {
    const decision = plan(entry({ spec: { driftPolicy: 'Report' } }), observed(data, present(metaValue(), '60')), CTX);
    expect(decision).toMatchObject({ kind: 'driftReported', keys, message: expect.stringMatching(message) });
  });

  it('still applies a new spec under driftPolicy Report', () => {
    const meta = present(metaValue({ dataHash: 'sha256:old' }), '61');
    const decision = plan(entry({ spec: { driftPolicy: 'Report' } }), observed(present('{"x":1}', '70'), meta), CTX);
    expect(decision).toMatchObject({ kind: 'commit', cause: 'update' });
  });
});
