/**
 * The ConfigEntry resource, defined once. tools/crdgen turns these zod schemas into the CRD's
 * openAPIV3Schema; the reconciler uses the inferred types and `parseConfigEntry`.
 *
 * Two layers of rules, on purpose:
 * - zod checks here describe the *shape* (what the CRD's structural schema guarantees anyway), so
 *   parsing an object served by the apiserver never fails on a rule the domain checks itself;
 * - rules the domain also enforces with precise messages (key syntax, schema id syntax, sizes) are
 *   attached as CRD metadata (`x-kubernetes-validations`, `maxLength`), so `kubectl apply` rejects them
 *   early, while domain/keys.ts and domain/validate.ts remain the authority for entries that got in
 *   another way (an older CRD, a disabled rule).
 */
import { z } from 'zod';
import {
  KEY_PATTERN,
  MAX_DATA_PROPERTIES,
  MAX_KEY_LENGTH,
  MAX_SCHEMA_ID_LENGTH,
  SCHEMA_ID_PATTERN,
} from './names.ts';

export const DELETION_POLICIES = ['Delete', 'Retain'] as const;
export const DRIFT_POLICIES = ['Correct', 'Report'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];
export type DriftPolicy = (typeof DRIFT_POLICIES)[number];

/** The CEL rule the CRD applies to spec.key; keys.ts checks the same KEY_PATTERN. */
export const KEY_RULE = {
  rule: `self.matches('${KEY_PATTERN}')`,
  message:
    "key must be segments of letters, digits, '.', '_' or '-' separated by single '/', with no leading " +
    "or trailing '/', no empty segments and no '.' or '..' segments",
};
/** The CEL rule the CRD applies to spec.schema. */
export const SCHEMA_ID_RULE = {
  rule: `self.matches('${SCHEMA_ID_PATTERN}')`,
  message: "schema must be a schema id of the form name@vN, for example 'database@v1'",
};
/** spec.key cannot change: the entry would otherwise leave its old etcd keys behind, still owned. */
export const KEY_IMMUTABLE_RULE = {
  rule: '(has(self.key) == has(oldSelf.key)) && (!has(self.key) || self.key == oldSelf.key)',
  message: 'key is immutable; create a new ConfigEntry to write under another key',
};

/** spec.schema of an entry, and of each bundle member. */
export const SCHEMA_FIELD = z.string().meta({
  description:
    'Id of the embedded schema spec.data must satisfy, `name@vN` (for example `database@v1`). ' +
    'The data is validated, defaults applied, before anything is written to etcd.',
  maxLength: MAX_SCHEMA_ID_LENGTH,
  'x-kubernetes-validations': [SCHEMA_ID_RULE],
});

/** spec.key's text and rules (optional on an entry, required on a bundle member). */
export const KEY_FIELD = z.string();
const KEY_META = {
  maxLength: MAX_KEY_LENGTH,
  'x-kubernetes-validations': [KEY_RULE],
};
const KEY_DESCRIPTION =
  'etcd key relative to the namespace: the data is stored at `<prefix>/data/<namespace>/<key>`. ' +
  "Segments of letters, digits, '.', '_' and '-' separated by '/'.";

/** spec.data of an entry, and of each bundle member. */
export const DATA_FIELD = z.record(z.string(), z.unknown()).meta({
  description:
    'The configuration value, a JSON object checked against spec.schema. Stored in etcd as ' +
    'canonical JSON (sorted keys, no insignificant whitespace) of the validated value.',
  maxProperties: MAX_DATA_PROPERTIES,
  'x-kubernetes-preserve-unknown-fields': true,
});

/** A bundle member's key: required (members have no name to default to). */
export const MEMBER_KEY_FIELD = KEY_FIELD.meta({ description: `${KEY_DESCRIPTION} Unique within the bundle.`, ...KEY_META });

export const DELETION_POLICY_FIELD = z.enum(DELETION_POLICIES).default('Delete');
export const DRIFT_POLICY_FIELD = z.enum(DRIFT_POLICIES).default('Correct');

export const ConfigEntrySpecSchema = z
  .object({
    schema: SCHEMA_FIELD,
    key: KEY_FIELD.optional().meta({
      description: `${KEY_DESCRIPTION} Defaults to metadata.name. Immutable.`,
      ...KEY_META,
    }),
    data: DATA_FIELD,
    deletionPolicy: DELETION_POLICY_FIELD.meta({
      description:
        'What happens to the value in etcd when this entry is deleted: `Delete` removes data and ' +
        'metadata; `Retain` keeps the value and releases ownership of it.',
    }),
    driftPolicy: DRIFT_POLICY_FIELD.meta({
      description:
        'What happens when the value in etcd is changed outside Cairn: `Correct` restores the ' +
        'committed value; `Report` leaves it and reports the drift in status.',
    }),
  })
  .meta({
    description: 'Desired state: which schema, which key, which value, and the deletion and drift policies.',
    'x-kubernetes-validations': [KEY_IMMUTABLE_RULE],
  });

/** metav1.Condition, field for field. */
export const ConditionSchema = z.object({
  type: z.string().meta({ description: 'Type of condition: Ready, Reconciling or Stalled (kstatus); on entries and bundles also FieldsPruned.', maxLength: 316 }),
  status: z.enum(['True', 'False', 'Unknown']).meta({ description: 'Status of the condition: True, False or Unknown.' }),
  observedGeneration: z
    .number()
    .int()
    .optional()
    .meta({ description: 'metadata.generation this condition was computed for.', format: 'int64', minimum: 0 }),
  lastTransitionTime: z
    .string()
    .meta({ description: 'Last time the condition changed from one status to another.', format: 'date-time' }),
  reason: z
    .string()
    .meta({ description: 'Machine-readable CamelCase reason for the last transition.', maxLength: 1024 }),
  message: z.string().meta({ description: 'Human-readable details of the last transition.', maxLength: 32768 }),
}).meta({ description: 'One aspect of the entry\'s state (metav1.Condition).' });
export type Condition = z.output<typeof ConditionSchema>;

/** The kstatus fields every Cairn status starts with (ConfigEntry, ConfigSchema). */
export const KSTATUS_FIELDS = {
  observedGeneration: z
    .number()
    .int()
    .optional()
    .meta({ description: 'The generation the conditions describe the outcome of.', format: 'int64' }),
  conditions: z
    .array(ConditionSchema)
    .optional()
    .meta({
      description: 'Ready, Reconciling and Stalled, kstatus style; on entries and bundles also FieldsPruned (fields of the committed data its schema does not declare, pruned).',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
};

export const ConfigEntryStatusSchema = z
  .object({
    ...KSTATUS_FIELDS,
    key: z.string().optional().meta({ description: 'Absolute etcd key holding the committed data.' }),
    revision: z
      .string()
      .optional()
      .meta({ description: 'etcd mod_revision of the committed data key (int64 as decimal string).' }),
    dataHash: z
      .string()
      .optional()
      .meta({ description: '`sha256:<hex>` of the canonical JSON committed to etcd.' }),
    schema: z.string().optional().meta({ description: 'Schema id the committed data was validated against.' }),
  })
  .meta({ description: 'Observed state: conditions and what was last committed to etcd.' });

/** The object metadata Cairn reads; everything else in metadata is kept but not typed. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
});

export const ConfigEntrySchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: ConfigEntrySpecSchema,
  status: ConfigEntryStatusSchema.optional(),
});

export type ConfigEntrySpec = z.output<typeof ConfigEntrySpecSchema>;
export type ConfigEntryStatus = z.output<typeof ConfigEntryStatusSchema>;
export type ObjectMeta = z.output<typeof ObjectMetaSchema>;
export type ConfigEntry = z.output<typeof ConfigEntrySchema>;

export type ParseResult = { readonly ok: true; readonly entry: ConfigEntry } | { readonly ok: false; readonly message: string };

/**
 * Reads an object served by the apiserver as a ConfigEntry, applying the spec's defaults.
 * Fails only on shape (what the CRD's structural schema already guarantees), never on rules the
 * domain reports itself; the message names each failing field.
 */
export function parseConfigEntry(object: unknown): ParseResult {
  const result = ConfigEntrySchema.safeParse(object);
  return result.success ? { ok: true, entry: result.data } : { ok: false, message: describeShapeIssues(result.error) };
}

/** Each issue of a failed parse, path first, `; `-separated. */
export function describeShapeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
