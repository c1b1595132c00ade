/**
 * An outside writer's edit of a committed value: another value put on a data key directly in etcd,
 * behind Cairn's back, for driftPolicy Correct to restore.
 */
import type { Etcd3 } from 'etcd3';
import type { DriftEdit } from './history.ts';
import { parseMeta } from './history-index.ts';
import type { Prng } from './prng.ts';

/**
 * Puts another value on `dataKey` in a transaction that holds only while the key's meta still names
 * `uid` as read: an edit of a value its owner committed, never of a key its owner has since released
 * (an entry being deleted, a member a newer generation removed): that would leave a value nobody
 * owns, which is no drift to correct. (An unguarded edit did so during a compaction fault, on the
 * key of an entry deleted after its last Ready status: seed 4242, a false rule-4 violation.)
 */
export async function driftOwnedValue(etcd: Etcd3, prefix: string, uid: string, dataKey: string, rng: Prng): Promise<DriftEdit | undefined> {
  const metaKey = `${prefix}/meta/${dataKey.slice(`${prefix}/data/`.length)}`;
  const kv = (await etcd.get(metaKey).exec()).kvs[0];
  if (kv === undefined || parseMeta(kv.value.toString())?.uid !== uid) return undefined;
  const value = JSON.stringify({ drift: rng.int(0, 1_000_000) });
  const result = await etcd.if(metaKey, 'Mod', '==', kv.mod_revision).then(etcd.put(dataKey).value(value)).commit();
  return result.succeeded ? { key: dataKey, value, revision: Number(result.header.revision) } : undefined;
}
