/**
 * Where `cairn schemas` and `cairn explain` find schemas: the embedded ones (always), and the declared
 * ones either from manifests (`-f`, offline) or from the cluster's ConfigSchemas (with their status).
 * A declared name shadows nothing: embedded ids are listed first, declared ones after, each once.
 */
import { type ConfigSchema, parseConfigSchema } from '../../api/config-schema.ts';
import { SCHEMA_KIND } from '../../api/names.ts';
import { exportOpenAPIV3Schema } from '../../schemas/json-schema.ts';
import { lookupSchema, schemaIds } from '../../schemas/index.ts';
import type { CliSettings } from '../config.ts';
import { listConfigSchemas, withKube } from '../cluster-objects.ts';
import { loadManifests } from '../validate/files.ts';

export interface SchemaVersionInfo {
  readonly id: string;
  /** `embedded`, `cluster`, or the manifest's `file:line`. */
  readonly source: string;
  /** Ready, Pending, Invalid, NotServed (cluster: status.versions; embedded: Ready; files: Declared). */
  readonly state: string;
  readonly deprecated: boolean;
  readonly description: string;
  readonly openAPIV3Schema: Record<string, unknown>;
  /** ConfigEntries naming the schema (cluster only: status.entries, for all its versions). */
  readonly entries?: number;
}

export function embeddedSchemas(): SchemaVersionInfo[] {
  return schemaIds().map((id) => ({ id, source: 'embedded', state: 'Ready', deprecated: false, description: lookupSchema(id)?.description ?? '', openAPIV3Schema: exportOpenAPIV3Schema(id) }));
}

function versionsOf(schema: ConfigSchema, source: string, fromCluster: boolean): SchemaVersionInfo[] {
  return schema.spec.versions.map((v) => {
    const state = fromCluster ? (schema.status?.versions?.find((s) => s.name === v.name)?.state ?? 'Pending') : v.served ? 'Declared' : 'NotServed';
    return {
      id: `${schema.metadata.name}@${v.name}`,
      source,
      state,
      deprecated: v.deprecated,
      description: schema.spec.description ?? '',
      openAPIV3Schema: v.schema.openAPIV3Schema,
      ...(fromCluster && schema.status?.entries !== undefined ? { entries: schema.status.entries } : {}),
    };
  });
}

export function schemasFromFiles(paths: readonly string[]): SchemaVersionInfo[] {
  const { documents } = loadManifests(paths);
  return documents.flatMap((d) => {
    const object = d.object as { kind?: unknown; metadata?: Record<string, unknown> } | undefined;
    if (object?.kind !== SCHEMA_KIND) return [];
    const parsed = parseConfigSchema({ ...object, metadata: { ...object.metadata, uid: 'offline' } });
    return parsed.ok ? versionsOf(parsed.schema, `${d.file}:${d.line}`, false) : [];
  });
}

export async function schemasFromCluster(settings: CliSettings): Promise<SchemaVersionInfo[]> {
  const schemas = await withKube(settings, listConfigSchemas);
  return schemas.flatMap((schema) => versionsOf(schema, 'cluster', true));
}

/** Embedded schemas, then the declared ones from `files` (offline) or, without files, from the cluster. */
export async function allSchemas(settings: CliSettings, files: readonly string[] | undefined): Promise<SchemaVersionInfo[]> {
  const declared = files !== undefined && files.length > 0 ? schemasFromFiles(files) : await schemasFromCluster(settings);
  return [...embeddedSchemas(), ...declared];
}
