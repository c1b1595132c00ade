/** What the benchmark applies: realistic entries, and the shapes of what Cairn writes. */
import { lookupSchema } from '../src/schemas/index.ts';
import { validateData } from '../src/domain/validate.ts';
import { GROUP, VERSION, PLURAL } from '../src/api/names.ts';
import type { GuardedTxn } from '../src/domain/types.ts';

export const SCHEMA = 'database@v1';

/** The i-th entry's data: a database connection whose port and pool vary with i. */
export function dataFor(i: number, generation = 1): Record<string, unknown> {
  const example = lookupSchema(SCHEMA)?.example as Record<string, unknown>;
  return { ...example, host: `db-${i}.bench.svc`, port: 5000 + (i % 1000), pool: { min: 1, max: 10 + generation } };
}

export function entryBody(namespace: string, name: string, data: Record<string, unknown>, schema: string = SCHEMA): object {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'ConfigEntry', metadata: { name, namespace }, spec: { schema, data } };
}

export function entriesPath(namespace: string): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
}

/** The canonical JSON Cairn must store for `data` (what the benchmark checks etcd against). */
export function canonicalOf(data: Record<string, unknown>): string {
  const valid = validateData(SCHEMA, data, { maxBytes: 1 << 20 });
  if (!valid.ok) throw new Error(`benchmark data is invalid: ${valid.message}`);
  return valid.canonical;
}

/** A transaction of exactly the shape Cairn commits for a new entry: three compares, two puts. */
export function txnOfCairnShape(prefix: string, namespace: string, key: string, fence: { key: string; revision: string }, value: string): GuardedTxn {
  const data = `${prefix}/data/${namespace}/${key}`;
  const meta = `${prefix}/meta/${namespace}/${key}`;
  const metaValue = JSON.stringify({ committedAt: new Date().toISOString(), dataHash: 'sha256:0', fence: fence.revision, generation: 1, name: key, namespace, schema: SCHEMA, uid: key });
  return {
    compares: [{ kind: 'modRevision', key: fence.key, equals: fence.revision }, { kind: 'absent', key: meta }, { kind: 'absent', key: data }],
    operations: [{ kind: 'put', key: data, value }, { kind: 'put', key: meta, value: metaValue }],
    readBackOnFailure: [fence.key, meta, data],
  };
}

/** A status of the shape Cairn writes on commit. */
export function committedStatus(generation: number, key: string, revision: string): object {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    status: {
      observedGeneration: generation,
      key,
      revision,
      dataHash: 'sha256:0',
      schema: SCHEMA,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Committed', message: `committed to ${key} at revision ${revision}`, observedGeneration: generation, lastTransitionTime: now }],
    },
  };
}
