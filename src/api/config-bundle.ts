/**
 * The ConfigBundle resource, defined once (tools/crdgen generates its CRD from these schemas): several
 * values that must change together, each member shaped like a ConfigEntry's spec (key, schema, data),
 * committed in one etcd transaction per generation.
 *
 * As for ConfigEntry, the zod checks describe the shape; what the apiserver can check without the
 * schema registry is attached as CRD metadata: key and schema id syntax (the entry's rules), at most
 * MAX_BUNDLE_MEMBERS members, and keys unique within the bundle (a list map keyed by `key`: the
 * apiserver's own `Duplicate value`, at no CEL cost). domain/plan-bundle.ts checks all of it again
 * for objects that got in another way, and the limits that depend on etcd's configuration.
 */
import { z } from 'zod';
import {
  DATA_FIELD,
  DELETION_POLICY_FIELD,
  DRIFT_POLICY_FIELD,
  KSTATUS_FIELDS,
  MEMBER_KEY_FIELD,
  ObjectMetaSchema,
  SCHEMA_FIELD,
  describeShapeIssues,
} from './config-entry.ts';
import { MAX_BUNDLE_MEMBERS } from './names.ts';

export const BundleMemberSchema = z
  .object({
    key: MEMBER_KEY_FIELD,
    schema: SCHEMA_FIELD,
    data: DATA_FIELD,
  })
  .meta({ description: 'One value of the bundle: its key, its schema and its data, as in a ConfigEntry.' });

export const ConfigBundleSpecSchema = z
  .object({
    members: z
      .array(BundleMemberSchema)
      .meta({
        minItems: 1,
        maxItems: MAX_BUNDLE_MEMBERS,
        description:
          `The values committed together, at most ${MAX_BUNDLE_MEMBERS} (one etcd transaction carries every member's ` +
          "compares and puts); keys unique within the bundle. A generation that adds, changes and removes members is one transaction.",
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['key'],
      }),
    deletionPolicy: DELETION_POLICY_FIELD.meta({
      description:
        'For every member, when the bundle is deleted or the member removed: `Delete` removes data and ' +
        'metadata; `Retain` keeps the value and releases ownership of it.',
    }),
    driftPolicy: DRIFT_POLICY_FIELD.meta({
      description:
        'For every member, when its value in etcd is changed outside Cairn: `Correct` restores the ' +
        'committed value (that member only); `Report` leaves it and reports the drift in status.',
    }),
  })
  .meta({ description: 'Desired state: the members, and the deletion and drift policies of all of them.' });

export const BundleMemberStatusSchema = z
  .object({
    key: z.string().meta({ description: 'Absolute etcd key holding the member\'s committed data.' }),
    dataHash: z.string().meta({ description: '`sha256:<hex>` of the canonical JSON committed.' }),
    schema: z.string().meta({ description: 'Schema id the committed data was validated against.' }),
  })
  .meta({ description: 'One committed member.' });

export const ConfigBundleStatusSchema = z
  .object({
    ...KSTATUS_FIELDS,
    revision: z
      .string()
      .optional()
      .meta({ description: 'The etcd revision from which every member holds this generation\'s value (int64 as decimal string).' }),
    members: z
      .array(BundleMemberStatusSchema)
      .optional()
      .meta({ description: 'The members committed, in spec order.' }),
    memberCount: z
      .number()
      .int()
      .optional()
      .meta({ description: 'How many members are committed (the MEMBERS column).', format: 'int32', minimum: 0 }),
  })
  .meta({ description: 'Observed state: conditions and what was last committed to etcd.' });

export const ConfigBundleSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: ConfigBundleSpecSchema,
  status: ConfigBundleStatusSchema.optional(),
});

export type BundleMember = z.output<typeof BundleMemberSchema>;
export type ConfigBundleSpec = z.output<typeof ConfigBundleSpecSchema>;
export type BundleMemberStatus = z.output<typeof BundleMemberStatusSchema>;
export type ConfigBundleStatus = z.output<typeof ConfigBundleStatusSchema>;
export type ConfigBundle = z.output<typeof ConfigBundleSchema>;

export type BundleParseResult = { readonly ok: true; readonly bundle: ConfigBundle } | { readonly ok: false; readonly message: string };

/**
 * Reads an object served by the apiserver as a ConfigBundle, applying the spec's defaults. Fails on
 * shape only; member counts and key rules the domain reports itself are not checked here (a bundle
 * over the limit must reach the reconciler to be reported Stalled).
 */
export function parseConfigBundle(object: unknown): BundleParseResult {
  const result = ConfigBundleSchema.safeParse(object);
  return result.success ? { ok: true, bundle: result.data } : { ok: false, message: describeShapeIssues(result.error) };
}
