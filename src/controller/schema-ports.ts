/**
 * What the ConfigSchema reconciler needs from the outside world (main.ts wires kube/ and etcd/
 * adapters). Errors are Cairn's own, as for ports.ts.
 */
import type { ConfigSchema, ConfigSchemaStatus } from '../api/config-schema.ts';
import type { KubeObject } from '../schemas/admission/index.ts';
import type { EmbeddedConfigSchema } from '../schemas/embedded-config-schemas.ts';

/** The informer's cache of ConfigSchemas, keyed by name (cluster-scoped). */
export interface SchemaCache {
  get(name: string): ConfigSchema | undefined;
  keys(): string[];
  replaceIfUnchanged(name: string, fromResourceVersion: string | undefined, object: ConfigSchema): void;
}

/** Writes to ConfigSchemas, each only if the object is still at resourceVersion (409 otherwise). */
export interface SchemaWriter {
  patchStatus(name: string, status: ConfigSchemaStatus, resourceVersion: string): Promise<ConfigSchema>;
  setFinalizers(name: string, finalizers: readonly string[], resourceVersion: string): Promise<ConfigSchema>;
  /** Creates an embedded schema's ConfigSchema by server-side apply (Cairn's field manager, forced). */
  createEmbedded(object: EmbeddedConfigSchema): Promise<ConfigSchema>;
  /**
   * Puts back an embedded schema's spec and label (a merge patch replaces the versions list whole,
   * so versions someone else added go too), only if the object is still at resourceVersion.
   */
  restoreEmbedded(object: EmbeddedConfigSchema, resourceVersion: string): Promise<ConfigSchema>;
}

/** The apiserver's admission policies: server-side apply with Cairn's field manager, and a read back. */
export interface AdmissionPolicies {
  /** Applies `object` (a ValidatingAdmissionPolicy or its binding) and returns the apiserver's copy. */
  apply(object: KubeObject): Promise<KubeObject>;
  /** The apiserver's copy of the ValidatingAdmissionPolicy `name`, undefined when there is none. */
  getPolicy(name: string): Promise<KubeObject | undefined>;
  /** Deletes the policies and bindings of schema `name` whose version is not in `versions`. */
  deleteOtherVersions(name: string, versions: readonly string[]): Promise<void>;
}

/** Which entries and bundles name a version of a schema: `Kind namespace/name` by version (from the informers: schema-users.ts). */
export type EntriesUsing = (schemaName: string) => ReadonlyMap<string, readonly string[]>;
