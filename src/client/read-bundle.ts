/**
 * The client's read of a ConfigBundle: its record (`P/bundles/<namespace>/<name>`) and every member's
 * data and meta keys in ONE etcd transaction, so all of them are read at one revision. The record
 * names the members, so it is read first; the transaction that reads the members compares the
 * record's mod_revision as read, so a generation committed in between makes it read the record again
 * (its else branch) instead of pairing one generation's list with another's keys.
 *
 * Errors: UnavailableError for any failure of etcd (translate.ts), and when the record kept changing
 * under every attempt.
 */
import type { Etcd3, IRequestOp, ITxnResponse } from 'etcd3';
import { bundleRecordKey, parseBundleRecord, type BundleRecord } from '../domain/bundle-record.ts';
import { entryKeys } from '../domain/keys.ts';
import { UnavailableError } from './errors.ts';
import { readCall } from './translate.ts';
import type { Consistency } from './types.ts';
import type { RawEntry, StoredKey } from './verify-entry.ts';

/** Reads of the record before giving up when each finds a newer generation committed meanwhile. */
const ATTEMPTS = 5;

export type RawBundle =
  | { readonly kind: 'absent'; readonly storeRevision: string }
  | { readonly kind: 'unreadable'; readonly storeRevision: string }
  | {
      readonly kind: 'read';
      readonly record: BundleRecord;
      /** mod_revision of the record: the commit that wrote the generation's member list. */
      readonly recordRevision: string;
      /** The members' keys, in the record's order, read at `storeRevision` with the record. */
      readonly members: readonly RawEntry[];
      readonly storeRevision: string;
    };

function range(key: string, consistency: Consistency): IRequestOp {
  return { request_range: { key: Buffer.from(key, 'utf8'), serializable: consistency === 'serializable' } };
}

function storedAt(response: ITxnResponse, i: number): StoredKey | undefined {
  const kv = response.responses[i]?.response_range?.kvs[0];
  return kv === undefined ? undefined : { value: kv.value.toString('utf8'), modRevision: kv.mod_revision };
}

/** The bundle's record and its members' keys, all at one revision. */
export async function readBundle(etcd: Etcd3, prefix: string, namespace: string, name: string, consistency: Consistency): Promise<RawBundle> {
  const recordKey = bundleRecordKey(prefix, namespace, name);
  const first = await readCall(`read ${recordKey}`, () => etcd.kv.txn({ compare: [], success: [range(recordKey, consistency)], failure: [] }));
  let seen = storedAt(first, 0);
  let storeRevision = first.header.revision;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (seen === undefined) return { kind: 'absent', storeRevision };
    const record = parseBundleRecord(seen.value);
    if (record === undefined) return { kind: 'unreadable', storeRevision };
    const keys = record.members.map((key) => entryKeys(prefix, namespace, key));
    const recordRevision = seen.modRevision;
    const response = await readCall(`read bundle ${namespace}/${name}`, () =>
      etcd.kv.txn({
        compare: [{ key: Buffer.from(recordKey, 'utf8'), target: 'Mod', result: 'Equal', mod_revision: recordRevision }],
        success: [range(recordKey, consistency), ...keys.flatMap((k) => [range(k.data, consistency), range(k.meta, consistency)])],
        failure: [range(recordKey, consistency)],
      }),
    );
    storeRevision = response.header.revision;
    seen = storedAt(response, 0);
    if (!response.succeeded) continue; // a newer generation's record: read its members instead
    const members = keys.map((k, i) => ({ namespace, key: k.relative, data: storedAt(response, 1 + 2 * i), meta: storedAt(response, 2 + 2 * i) }));
    return { kind: 'read', record, recordRevision, members, storeRevision };
  }
  throw new UnavailableError(`${namespace}/${name}: the bundle's record changed under each of ${ATTEMPTS} reads; try again`, { entry: `${namespace}/${name}` });
}
