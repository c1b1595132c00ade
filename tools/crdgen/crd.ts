/**
 * The CustomResourceDefinitions of Cairn's API, each built from its zod source in src/api (one source
 * per CRD): ConfigEntry from config-entry.ts, ConfigSchema from config-schema.ts, ConfigBundle from
 * config-bundle.ts.
 * Rendering is deterministic: same source, same bytes.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { ConfigEntrySpecSchema, ConfigEntryStatusSchema } from '../../src/api/config-entry.ts';
import { ConfigSchemaSpecSchema, ConfigSchemaStatusSchema } from '../../src/api/config-schema.ts';
import { ConfigBundleSpecSchema, ConfigBundleStatusSchema } from '../../src/api/config-bundle.ts';
import {
  BUNDLE_CRD_NAME,
  BUNDLE_KIND,
  BUNDLE_LIST_KIND,
  BUNDLE_PLURAL,
  BUNDLE_SHORT_NAMES,
  BUNDLE_SINGULAR,
  CRD_NAME,
  GROUP,
  KIND,
  LIST_KIND,
  PLURAL,
  SCHEMA_CRD_NAME,
  SCHEMA_KIND,
  SCHEMA_LIST_KIND,
  SCHEMA_PLURAL,
  SCHEMA_SHORT_NAMES,
  SCHEMA_SINGULAR,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from '../../src/api/names.ts';
import { FIELDS_PRUNED } from '../../src/api/conditions.ts';
import { toStructural, type SchemaNode } from './structural.ts';

const READY_PATH = '.status.conditions[?(@.type=="Ready")]';

/** The FieldsPruned condition's message (`spec.data.prot: unknown field, ...`), in `kubectl get -o wide`. */
const PRUNED_COLUMN = {
  name: 'Pruned',
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=="${FIELDS_PRUNED}")].message`,
  description: 'Fields the schema does not declare, pruned from the committed value (FieldsPruned).',
  priority: 1,
};

interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description?: string;
  /** 1: shown by `kubectl get -o wide` only. */
  readonly priority?: number;
}

/** What differs between Cairn's CRDs; everything else is built the same way. */
interface CrdSource {
  readonly name: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  /** The zod module the CRD is generated from, named in the file's header. */
  readonly sourceFile: string;
  readonly description: string;
  readonly spec: z.ZodType;
  readonly status: z.ZodType;
  readonly printerColumns: readonly PrinterColumn[];
}

const CONFIG_ENTRY: CrdSource = {
  name: CRD_NAME,
  kind: KIND,
  listKind: LIST_KIND,
  plural: PLURAL,
  singular: SINGULAR,
  shortNames: SHORT_NAMES,
  scope: 'Namespaced',
  sourceFile: 'src/api/config-entry.ts',
  description:
    'ConfigEntry is one typed configuration value that Cairn validates against an embedded schema ' +
    'and commits atomically to etcd, where applications read it.',
  spec: ConfigEntrySpecSchema,
  status: ConfigEntryStatusSchema,
  printerColumns: [
    { name: 'Schema', type: 'string', jsonPath: '.spec.schema', description: 'Schema id of the data.' },
    { name: 'Key', type: 'string', jsonPath: '.status.key', description: 'etcd key of the committed data.' },
    { name: 'Ready', type: 'string', jsonPath: `${READY_PATH}.status`, description: 'Ready condition status.' },
    { name: 'Reason', type: 'string', jsonPath: `${READY_PATH}.reason`, description: 'Ready condition reason.' },
    { name: 'Revision', type: 'string', jsonPath: '.status.revision', description: 'etcd mod_revision of the committed data.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    PRUNED_COLUMN,
  ],
};

const CONFIG_SCHEMA: CrdSource = {
  name: SCHEMA_CRD_NAME,
  kind: SCHEMA_KIND,
  listKind: SCHEMA_LIST_KIND,
  plural: SCHEMA_PLURAL,
  singular: SCHEMA_SINGULAR,
  shortNames: SCHEMA_SHORT_NAMES,
  scope: 'Cluster',
  sourceFile: 'src/api/config-schema.ts',
  description:
    'ConfigSchema declares a type of configuration value: ConfigEntries name one of its versions as ' +
    '`<name>@<version>`, and their data is checked against that version\'s schema at apply and at commit.',
  spec: ConfigSchemaSpecSchema,
  status: ConfigSchemaStatusSchema,
  printerColumns: [
    { name: 'Versions', type: 'string', jsonPath: '.status.servedVersions', description: 'Served versions.' },
    { name: 'Entries', type: 'integer', jsonPath: '.status.entries', description: 'ConfigEntries naming a version of this schema.' },
    { name: 'Ready', type: 'string', jsonPath: `${READY_PATH}.status`, description: 'Ready condition status.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};

const CONFIG_BUNDLE: CrdSource = {
  name: BUNDLE_CRD_NAME,
  kind: BUNDLE_KIND,
  listKind: BUNDLE_LIST_KIND,
  plural: BUNDLE_PLURAL,
  singular: BUNDLE_SINGULAR,
  shortNames: BUNDLE_SHORT_NAMES,
  scope: 'Namespaced',
  sourceFile: 'src/api/config-bundle.ts',
  description:
    'ConfigBundle is several typed configuration values that must change together: each member is ' +
    'validated like a ConfigEntry, and all of a generation\'s members are committed to etcd in one transaction, or none is.',
  spec: ConfigBundleSpecSchema,
  status: ConfigBundleStatusSchema,
  printerColumns: [
    { name: 'Members', type: 'integer', jsonPath: '.status.memberCount', description: 'Members committed.' },
    { name: 'Ready', type: 'string', jsonPath: `${READY_PATH}.status`, description: 'Ready condition status.' },
    { name: 'Reason', type: 'string', jsonPath: `${READY_PATH}.reason`, description: 'Ready condition reason.' },
    { name: 'Revision', type: 'string', jsonPath: '.status.revision', description: 'etcd revision from which every member holds this generation.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    PRUNED_COLUMN,
  ],
};

function openApiSchema(schema: z.ZodType, io: 'input' | 'output'): SchemaNode {
  // io 'input': fields with defaults are optional to the writer; the apiserver applies the defaults.
  return toStructural(z.toJSONSchema(schema, { io, unrepresentable: 'throw' }) as SchemaNode);
}

function buildCrdOf(source: CrdSource): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: source.name },
    spec: {
      group: GROUP,
      names: {
        kind: source.kind,
        listKind: source.listKind,
        plural: source.plural,
        singular: source.singular,
        shortNames: [...source.shortNames],
        categories: ['cairn'],
      },
      scope: source.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: source.printerColumns.map((column) => ({ ...column })),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: source.description,
              required: ['spec'],
              properties: {
                apiVersion: {
                  type: 'string',
                  description: 'APIVersion defines the versioned schema of this representation of an object.',
                },
                kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
                metadata: { type: 'object' },
                spec: openApiSchema(source.spec, 'input'),
                status: openApiSchema(source.status, 'output'),
              },
            },
          },
        },
      ],
    },
  };
}

function render(source: CrdSource): string {
  const header = `# Generated by \`npm run crdgen\` from ${source.sourceFile}. Do not edit by hand.\n`;
  return header + stringify(buildCrdOf(source), { lineWidth: 0, aliasDuplicateObjects: false });
}

const fileOf = (source: CrdSource): string => `crds/${GROUP}_${source.plural}.yaml`;

/** The ConfigEntry CRD's file, relative to the repository root. */
export const CRD_FILE = fileOf(CONFIG_ENTRY);
/** The ConfigSchema CRD's file, relative to the repository root. */
export const SCHEMA_CRD_FILE = fileOf(CONFIG_SCHEMA);

/** The ConfigEntry CRD as a plain object. */
export const buildCrd = (): Record<string, unknown> => buildCrdOf(CONFIG_ENTRY);
/** The ConfigEntry CRD file's exact content. */
export const renderCrd = (): string => render(CONFIG_ENTRY);
/** The ConfigSchema CRD as a plain object. */
export const buildSchemaCrd = (): Record<string, unknown> => buildCrdOf(CONFIG_SCHEMA);
/** The ConfigSchema CRD file's exact content. */
export const renderSchemaCrd = (): string => render(CONFIG_SCHEMA);

/** The ConfigBundle CRD's file, relative to the repository root. */
export const BUNDLE_CRD_FILE = fileOf(CONFIG_BUNDLE);
/** The ConfigBundle CRD as a plain object. */
export const buildBundleCrd = (): Record<string, unknown> => buildCrdOf(CONFIG_BUNDLE);

/** Every CRD crdgen writes: its file relative to the repository root, and its exact content. */
export function renderAllCrds(): { readonly file: string; readonly content: string }[] {
  return [CONFIG_ENTRY, CONFIG_SCHEMA, CONFIG_BUNDLE].map((source) => ({ file: fileOf(source), content: render(source) }));
}
