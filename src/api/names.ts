/**
 * Names and constants of the ConfigEntry API and of Cairn's etcd layout. The one place these strings
 * live: the CRD generator, the reconciler and the tests import them from here.
 */

export const GROUP = 'cairn.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ConfigEntry';
export const LIST_KIND = 'ConfigEntryList';
export const PLURAL = 'configentries';
export const SINGULAR = 'configentry';
export const SHORT_NAMES: readonly string[] = ['ce'];
/** `<plural>.<group>`: the CRD's metadata.name. */
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Finalizer that keeps an entry until its etcd keys are deleted (Delete) or released (Retain). */
export const FINALIZER = 'cairn.dev/finalizer';
/** Field manager for server-side apply / patches of status, so ownership of fields is attributable. */
export const FIELD_MANAGER = 'cairn-operator';
/** Name of the controller in metrics (`controller_runtime_reconcile_total{controller=...}`). */
export const CONTROLLER_NAME = 'configentry';

/** Default etcd key prefix P: data at `P/data/...`, meta at `P/meta/...`, fence at `P/fence`. */
export const DEFAULT_PREFIX = '/cairn';
/**
 * Default limit on the canonical JSON of one entry's data: 256 KiB, well under etcd's default 1.5 MiB
 * request limit (a transaction carries data + meta + compares).
 */
export const DEFAULT_MAX_DATA_BYTES = 256 * 1024;

/** Longest relative key accepted (same bound as a DNS subdomain, which metadata.name also obeys). */
export const MAX_KEY_LENGTH = 253;
/**
 * One key segment: at least one letter, digit, `_` or `-`, optionally preceded by dots, then any of
 * letters, digits, `.`, `_`, `-`. So `.` and `..` (and any all-dot segment) can never be a segment.
 * Written without backslashes and lookarounds so the same text is a valid RE2 pattern inside a CEL
 * string literal on the CRD and a JavaScript RegExp in domain/keys.ts.
 */
export const KEY_SEGMENT_PATTERN = '[.]*[a-zA-Z0-9_-][a-zA-Z0-9._-]*';
/** A whole relative key: segments separated by single `/`, no leading or trailing `/`. */
export const KEY_PATTERN = `^${KEY_SEGMENT_PATTERN}(/${KEY_SEGMENT_PATTERN})*$`;

/** Longest schema id accepted. */
export const MAX_SCHEMA_ID_LENGTH = 63;
/** Schema id `name@vN`, e.g. `database@v1`. */
export const SCHEMA_ID_PATTERN = '^[a-z0-9-]+@v[0-9]+$';
const SCHEMA_ID = new RegExp(SCHEMA_ID_PATTERN);

/** `name@vN` → its name and version, or undefined when `id` is not of that form. */
export function splitSchemaId(id: string): { readonly name: string; readonly version: string } | undefined {
  if (!SCHEMA_ID.test(id)) return undefined;
  const at = id.indexOf('@');
  return { name: id.slice(0, at), version: id.slice(at + 1) };
}

/** The schema an id names (the text before `@`; the whole id when it has none), valid or not. */
export function schemaNameOf(id: string): string {
  return id.split('@')[0] ?? id;
}

/** Most top-level properties `spec.data` may have (a cheap guard the apiserver can enforce). */
export const MAX_DATA_PROPERTIES = 256;
/** Longest condition message Cairn writes (metav1 allows 32768; people read the first lines). */
export const MAX_CONDITION_MESSAGE_LENGTH = 1024;

// ---- ConfigSchema (cluster-scoped): a declared schema, versions shaped like a CRD's ----------------

export const SCHEMA_KIND = 'ConfigSchema';
export const SCHEMA_LIST_KIND = 'ConfigSchemaList';
export const SCHEMA_PLURAL = 'configschemas';
export const SCHEMA_SINGULAR = 'configschema';
export const SCHEMA_SHORT_NAMES: readonly string[] = ['cs'];
export const SCHEMA_CRD_NAME = `${SCHEMA_PLURAL}.${GROUP}`;
/** Name of the ConfigSchema controller in metrics. */
export const SCHEMA_CONTROLLER_NAME = 'configschema';
/** Finalizer that keeps a ConfigSchema while entries still name one of its versions. */
export const SCHEMA_FINALIZER = 'cairn.dev/schema-protection';
/** A version's name: the part of a schema id after `@`. */
export const SCHEMA_VERSION_PATTERN = '^v[0-9]+$';
/** Most versions one ConfigSchema may declare. */
export const MAX_SCHEMA_VERSIONS = 32;

// ---- ConfigBundle (namespaced): several values committed in one etcd transaction ------------------

export const BUNDLE_KIND = 'ConfigBundle';
export const BUNDLE_LIST_KIND = 'ConfigBundleList';
export const BUNDLE_PLURAL = 'configbundles';
export const BUNDLE_SINGULAR = 'configbundle';
export const BUNDLE_SHORT_NAMES: readonly string[] = ['cb'];
export const BUNDLE_CRD_NAME = `${BUNDLE_PLURAL}.${GROUP}`;
/** Name of the ConfigBundle controller in metrics. */
export const BUNDLE_CONTROLLER_NAME = 'configbundle';

/** etcd's default `--max-txn-ops`: the most compares, the most operations and the most else-reads of one txn (each counted alone). */
export const DEFAULT_MAX_TXN_OPS = 128;
/** etcd's default `--max-request-bytes` (1.5 MiB): the largest request, a transaction included. */
export const DEFAULT_MAX_REQUEST_BYTES = 1_572_864;
/**
 * Most members of one bundle, for etcd's default `--max-txn-ops` of 128. A generation's
 * transaction compares the fence and each member's meta and data key (1 + 2n compares), puts at most
 * each member's data and meta (2n), and reads back the fence and both keys of each member when a
 * compare fails (1 + 2n): 1 + 2n <= 128 gives 63. Members removed by a generation count too (see
 * domain/bundle-limits.ts); the operator checks the configured limit before etcd is asked.
 */
export const MAX_BUNDLE_MEMBERS = Math.floor((DEFAULT_MAX_TXN_OPS - 1) / 2);
/** Label on the ConfigSchemas the operator makes of its embedded schemas (it restores them when edited). */
export const EMBEDDED_LABEL = 'cairn.dev/embedded';
