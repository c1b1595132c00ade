/**
 * The reader: `createClient` opens one pooled etcd connection (the operator's own client settings:
 * deadlines on every call, no blind retries, keepalive; etcd/client.ts) shared by every call and
 * watch until `close()`.
 *
 * get — Guarantees:
 * - The value served is the one committed at the data key's revision: data and meta are read in one
 *   transaction, the bytes hash to the meta's dataHash, and the value conforms to the schema the meta
 *   names (and to `schema`, when given). Otherwise a ReadError says which (errors.ts).
 * - With `atLeast: R`, the answer comes from a store at revision R or later (read-your-commit), or
 *   TimeoutError after `timeoutMs`. A linearizable read is at the store's latest revision already;
 *   a serializable one may come from a lagging member, and is repeated until that member caught up.
 * getBundle — Guarantees: the members served are one generation's, read at one revision: the bundle
 * record and every member's data and meta come from one etcd transaction (read-bundle.ts), each member
 * is checked as `get` checks an entry, and each member's meta names the record's generation
 * (verify-bundle.ts). `atLeast` as for get.
 * Errors: NotFoundError, IntegrityError, SchemaMismatchError, UnavailableError, PermissionDeniedError, TimeoutError;
 * RangeError for a namespace, key or bundle name that cannot name one.
 */
import type { Etcd3 } from 'etcd3';
import { DEFAULT_PREFIX } from '../api/names.ts';
import { compareRevisions } from '../domain/types.ts';
import { checkPrefix } from '../domain/keys.ts';
import { createEtcdClient } from '../etcd/client.ts';
import { EtcdStore } from '../etcd/store.ts';
import { isReadFailure, NotFoundError, ReadError, TimeoutError } from './errors.ts';
import { checkBundleName, checkEntryName, readEntry, readSnapshot } from './read.ts';
import { readBundle } from './read-bundle.ts';
import { checkBundle } from './verify-bundle.ts';
import { SchemaChecks } from './schema-checks.ts';
import type { Bundle, Client, ClientOptions, Consistency, Entry, GetBundleOptions, GetOptions, ListOptions, PublishedSchema, Rejected, Snapshot, ValueSchema, Watch, WatchOptions } from './types.ts';
import { checkIntegrity, checkSchema, type RawEntry } from './verify-entry.ts';
import { openWatch, type WatchContext } from './watch.ts';

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_AT_LEAST_TIMEOUT_MS = 10_000;
/** The pause between reads while waiting for `atLeast`: from the first to the most, doubling. */
const AT_LEAST_POLL_MS = { first: 10, most: 250 };

/** Opens the reader's connection (lazily: the first call connects). */
export function createClient(options: ClientOptions): Client {
  return new ReaderClient(options);
}

function revisionOf(value: string | number | bigint): string {
  const text = String(value);
  if (!/^[0-9]+$/.test(text)) throw new RangeError(`atLeast must be a non-negative integer revision, not ${JSON.stringify(text)}`);
  return BigInt(text).toString();
}

/**
 * Reads with `read` until the store that answered has reached `options.atLeast` (read-your-commit),
 * pausing between reads (10 ms doubling to 250 ms); TimeoutError after `timeoutMs`. Without
 * `atLeast`, the first answer.
 */
async function readAtLeast<R extends { readonly storeRevision: string }>(what: string, options: { atLeast?: string | number | bigint; timeoutMs?: number }, read: () => Promise<R>): Promise<R> {
  const atLeast = options.atLeast === undefined ? undefined : revisionOf(options.atLeast);
  const timeoutMs = options.timeoutMs ?? DEFAULT_AT_LEAST_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let pause = AT_LEAST_POLL_MS.first;
  for (;;) {
    const answer = await read();
    if (atLeast === undefined || compareRevisions(answer.storeRevision, atLeast) >= 0) return answer;
    if (Date.now() + pause > deadline) {
      throw new TimeoutError(`${what}: the store did not reach revision ${atLeast} within ${timeoutMs} ms (it is at ${answer.storeRevision})`, { entry: what });
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(AT_LEAST_POLL_MS.most, pause * 2);
  }
}

class ReaderClient implements Client {
  private readonly etcd: Etcd3;
  private readonly store: EtcdStore;
  private readonly prefix: string;
  private readonly checks: SchemaChecks;
  private readonly watches = new Set<Watch<unknown>>();

  constructor(options: ClientOptions) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    const prefixCheck = checkPrefix(this.prefix);
    if (!prefixCheck.ok) throw new RangeError(`prefix ${JSON.stringify(this.prefix)} ${prefixCheck.problem}`);
    this.etcd = createEtcdClient({
      endpoints: options.endpoints,
      tls: options.tls,
      auth: options.auth,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    });
    this.store = new EtcdStore(this.etcd);
    this.checks = new SchemaChecks(this.etcd, this.prefix);
  }

  async get<T = unknown>(namespace: string, key: string, options: GetOptions<T> = {}): Promise<Entry<T>> {
    checkEntryName(namespace, key);
    const consistency = options.consistency ?? 'linearizable';
    const { raw } = await readAtLeast(`${namespace}/${key}`, options, () => readEntry(this.etcd, this.prefix, namespace, key, consistency));
    return this.verify(raw, options.schema, consistency);
  }

  async getBundle(namespace: string, name: string, options: GetBundleOptions = {}): Promise<Bundle> {
    checkBundleName(namespace, name);
    const consistency = options.consistency ?? 'linearizable';
    const raw = await readAtLeast(`${namespace}/${name}`, options, () => readBundle(this.etcd, this.prefix, namespace, name, consistency));
    const checked = checkBundle(raw, namespace, name);
    if (checked instanceof ReadError) throw checked;
    const members: Entry[] = [];
    let revision = checked.recordRevision;
    for (const committed of checked.members) {
      const verdict = await this.checks.verdict(committed.meta.schema, committed.value, consistency);
      const entry = checkSchema(committed, verdict);
      if (entry instanceof ReadError) throw entry;
      members.push(entry);
      for (const at of [committed.raw.data?.modRevision, committed.raw.meta?.modRevision]) if (at !== undefined && compareRevisions(at, revision) > 0) revision = at;
    }
    return { namespace, name, generation: checked.record.generation, revision, readAt: raw.storeRevision, members };
  }

  async list<T = unknown>(namespace: string, options: ListOptions<T> = {}): Promise<Snapshot<T>> {
    checkEntryName(namespace);
    const { revision, raws } = await readSnapshot(this.store, this.prefix, namespace, options.prefix);
    return this.judgeSnapshot(revision, raws, options.schema);
  }

  watch<T = unknown>(namespace: string, options: WatchOptions<T> = {}): Watch<T> {
    checkEntryName(namespace);
    const context: WatchContext<T> = {
      etcd: this.etcd,
      prefix: this.prefix,
      namespace,
      options,
      verify: (raw) => this.verifyOrReject(raw, options.schema),
      snapshot: async () => {
        const { revision, raws } = await readSnapshot(this.store, this.prefix, namespace, options.prefix);
        return this.judgeSnapshot(revision, raws, options.schema);
      },
      onClose: (w) => this.watches.delete(w as Watch<unknown>),
    };
    const watch = openWatch(context);
    this.watches.add(watch as Watch<unknown>);
    return watch;
  }

  async publishedSchema(id: string): Promise<PublishedSchema> {
    const published = await this.checks.read(id);
    if (published === undefined) throw new NotFoundError(`schema ${id} is not published under ${this.prefix}/schemas/`);
    return published;
  }

  async close(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.close()));
    this.etcd.close();
  }

  private async verify<T>(raw: RawEntry, schema: ValueSchema<T> | undefined, consistency: Consistency): Promise<Entry<T>> {
    const committed = checkIntegrity(raw);
    if (committed instanceof ReadError) throw committed;
    const verdict = await this.checks.verdict(committed.meta.schema, committed.value, consistency);
    const entry = checkSchema(committed, verdict, schema);
    if (entry instanceof ReadError) throw entry;
    return entry;
  }

  /** The entry, or the ReadError that says why it cannot be served (a failed read, isReadFailure, is thrown, not returned). */
  private async verifyOrReject<T>(raw: RawEntry, schema: ValueSchema<T> | undefined): Promise<Entry<T> | ReadError> {
    try {
      return await this.verify(raw, schema, 'linearizable');
    } catch (error) {
      if (error instanceof ReadError && !isReadFailure(error)) return error;
      throw error;
    }
  }

  private async judgeSnapshot<T>(revision: string, raws: readonly RawEntry[], schema: ValueSchema<T> | undefined): Promise<Snapshot<T>> {
    const entries: Entry<T>[] = [];
    const rejected: Rejected[] = [];
    for (const raw of raws) {
      const judged = await this.verifyOrReject(raw, schema);
      if (judged instanceof ReadError) rejected.push({ namespace: raw.namespace, key: raw.key, error: judged });
      else entries.push(judged);
    }
    return { revision, entries, rejected };
  }
}
