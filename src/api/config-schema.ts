/**
 * The ConfigSchema resource, defined once (tools/crdgen renders its CRD from these zod schemas, as
 * for ConfigEntry). A ConfigSchema declares a type entries may name as `<metadata.name>@<version>`;
 * its versions are shaped like a CRD's, so a Kubernetes engineer writes one without reading docs.
 *
 * Rules on the CRD (so `kubectl apply` refuses them): at least one version, version names unique
 * (a list of type map keyed by name) and of the form vN, and a served version's schema immutable (a
 * change is a new version). The schema itself is checked by the operator's engine (Stalled
 * `InvalidSchema`), since the CRD's own dialect cannot describe an openAPIV3Schema.
 */
import { z } from 'zod';
import { KSTATUS_FIELDS, describeShapeIssues } from './config-entry.ts';
import { MAX_SCHEMA_VERSIONS, SCHEMA_VERSION_PATTERN } from './names.ts';

/**
 * A served version's schema cannot change (a change is a new version). Versions are a list-map keyed
 * by name, so oldSelf is the same-named version; the apiserver compares the whole preserved
 * openAPIV3Schema value (test/integration/config-schema/crd-rules.test.ts proves a nested change is
 * refused). Unserving a version first allows changing it: nothing can name it meanwhile.
 */
export const SERVED_SCHEMA_IMMUTABLE_RULE = {
  rule: '!oldSelf.served || self.schema == oldSelf.schema',
  message: 'the schema of a served version is immutable; declare a new version (for example v2) instead',
};

export const SchemaVersionSpecSchema = z
  .object({
    name: z.string().meta({
      description: 'Version name, `vN`: entries name this version as `<metadata.name>@<name>` (for example `payments@v1`).',
      maxLength: 16,
      pattern: SCHEMA_VERSION_PATTERN,
    }),
    served: z.boolean().default(true).meta({
      description: 'Whether entries may name this version. A served version\'s schema is immutable.',
    }),
    deprecated: z.boolean().default(false).meta({
      description: 'Whether applies of entries naming this version get a Warning (deprecationWarning) instead of only the verdict.',
    }),
    deprecationWarning: z.string().optional().meta({
      description: 'The Warning returned to clients applying an entry of a deprecated version; a default names the id.',
      maxLength: 256,
    }),
    schema: z
      .object({
        openAPIV3Schema: z.record(z.string(), z.unknown()).meta({
          description:
            'Schema of an entry\'s spec.data, in the structural-schema dialect of CRDs (types, formats, patterns, enums, ' +
            'bounds, required, nullable, default, maps, lists, x-kubernetes-validations). Checked by the operator.',
          'x-kubernetes-preserve-unknown-fields': true,
        }),
      })
      .meta({ description: 'The version\'s schema, as in a CRD version.' }),
  })
  .meta({ description: 'One version of the schema.', 'x-kubernetes-validations': [SERVED_SCHEMA_IMMUTABLE_RULE] });

export const ConfigSchemaSpecSchema = z
  .object({
    description: z.string().optional().meta({ description: 'What the schema\'s values configure, for people.', maxLength: 4096 }),
    versions: z
      .array(SchemaVersionSpecSchema)
      .meta({
        description: 'The versions entries may name. Versions are added, deprecated and, when no entry uses them, removed.',
        minItems: 1,
        maxItems: MAX_SCHEMA_VERSIONS,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
  })
  .meta({ description: 'Desired state: the schema\'s versions.' });

export const VERSION_STATES = ['Ready', 'Pending', 'Invalid', 'NotServed'] as const;
export type VersionState = (typeof VERSION_STATES)[number];

export const SchemaVersionStatusSchema = z
  .object({
    name: z.string().meta({ description: 'The version\'s name.' }),
    state: z.enum(VERSION_STATES).meta({
      description: 'Ready: compiled, admission policy bound and published; Pending: in progress; Invalid: refused (see message); NotServed.',
    }),
    message: z.string().optional().meta({ description: 'Why the version is not Ready.', maxLength: 1024 }),
  })
  .meta({ description: 'Observed state of one version.' });

export const ConfigSchemaStatusSchema = z
  .object({
    ...KSTATUS_FIELDS,
    versions: z
      .array(SchemaVersionStatusSchema)
      .optional()
      .meta({ description: 'Per version: its state.', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    servedVersions: z
      .string()
      .optional()
      .meta({ description: 'The served versions, comma-separated (the VERSIONS column: a printer column shows one value only).' }),
    entries: z.number().int().optional().meta({ description: 'How many ConfigEntries, and ConfigBundles with a member, name a version of this schema.', format: 'int64', minimum: 0 }),
  })
  .meta({ description: 'Observed state: conditions, each version\'s state, and how many entries use the schema.' });

/** The object metadata Cairn reads of a cluster-scoped object. */
export const ClusterObjectMetaSchema = z.looseObject({
  name: z.string(),
  uid: z.string(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const ConfigSchemaSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ClusterObjectMetaSchema,
  spec: ConfigSchemaSpecSchema,
  status: ConfigSchemaStatusSchema.optional(),
});

export type SchemaVersionSpec = z.output<typeof SchemaVersionSpecSchema>;
export type ConfigSchemaSpec = z.output<typeof ConfigSchemaSpecSchema>;
export type ConfigSchemaStatus = z.output<typeof ConfigSchemaStatusSchema>;
export type SchemaVersionStatus = z.output<typeof SchemaVersionStatusSchema>;
export type ConfigSchema = z.output<typeof ConfigSchemaSchema>;
export type { Condition } from './config-entry.ts';

export type ConfigSchemaParseResult = { readonly ok: true; readonly schema: ConfigSchema } | { readonly ok: false; readonly message: string };

/** Reads an object served by the apiserver as a ConfigSchema, applying the spec's defaults. */
export function parseConfigSchema(object: unknown): ConfigSchemaParseResult {
  const result = ConfigSchemaSchema.safeParse(object);
  return result.success ? { ok: true, schema: result.data } : { ok: false, message: describeShapeIssues(result.error) };
}
