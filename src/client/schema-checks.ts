/**
 * The schema a committed value names, judged: embedded schemas by their zod definition (as the
 * operator validated them), declared ones by the shape of the version published in etcd (shape.ts;
 * why not the WebAssembly engine: docs/design-notes.md, "Readers").
 *
 * Published versions are read once and cached (bounded, declared.ts). A value that fails a cached
 * version is judged again against a fresh read, so a schema deleted and declared again with other
 * content cannot make a reader refuse values the operator committed against the new one.
 */
import type { Etcd3 } from 'etcd3';
import { schemaKey } from '../domain/keys.ts';
import { splitSchemaId } from '../api/names.ts';
import { declaredProblem, parsePublishedSchema, PublishedSchemaCache } from './declared.ts';
import { embeddedProblem } from './embedded.ts';
import { readCall } from './translate.ts';
import type { Consistency, PublishedSchema } from './types.ts';
import type { SchemaVerdict } from './verify-entry.ts';

export class SchemaChecks {
  private readonly etcd: Etcd3;
  private readonly prefix: string;
  private readonly cache = new PublishedSchemaCache();

  constructor(etcd: Etcd3, prefix: string) {
    this.etcd = etcd;
    this.prefix = prefix;
  }

  /** The verdict of the schema `id` on `value`. Throws UnavailableError or PermissionDeniedError when the schema cannot be read. */
  async verdict(id: string, value: unknown, consistency: Consistency = 'linearizable'): Promise<SchemaVerdict> {
    const embedded = embeddedProblem(id, value);
    if (embedded !== 'unknown') return embedded;
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      const problem = declaredProblem(cached.openAPIV3Schema, value);
      if (problem === undefined) return undefined;
      this.cache.delete(id);
    }
    const published = await this.read(id, consistency);
    return published === undefined ? 'unknown' : declaredProblem(published.openAPIV3Schema, value);
  }

  /** The published version `id`, read from etcd (and cached), or undefined when it is not published. */
  async read(id: string, consistency: Consistency = 'linearizable'): Promise<PublishedSchema | undefined> {
    const parts = splitSchemaId(id);
    if (parts === undefined) return undefined;
    const key = schemaKey(this.prefix, parts.name, parts.version);
    const response = await readCall(`read ${key}`, () =>
      this.etcd.kv.range({ key: Buffer.from(key, 'utf8'), serializable: consistency === 'serializable' }),
    );
    const kv = response.kvs[0];
    const published = kv === undefined ? undefined : parsePublishedSchema(kv.value.toString('utf8'));
    if (published !== undefined && published.id === id) this.cache.set(published);
    return published?.id === id ? published : undefined;
  }
}
