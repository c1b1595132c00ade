/**
 * One step of the schema reconcile: an embedded schema's ConfigSchema is the operator's. It is created
 * when absent and put back when someone else changed its spec or removed its label; a deletion is
 * left to run (the schema-protection finalizer holds it while entries use it) and, once done, the
 * object is created again.
 *
 * Why restore rather than refuse edits with an admission policy: a policy would have to name the
 * operator's identity (the chart's ServiceAccount), is itself removable by an admin, and does not
 * exist on a cluster installed without it; the level-based restore works everywhere. Entries are
 * never judged by the object: the embedded versions are pinned in the registry at start.
 *
 * Contract: returns true when it wrote (the watch brings the object back for a normal reconcile).
 * Idempotent. Errors: the writer's (a 409 when the object moved: the next reconcile sees it).
 */
import type { Logger } from 'pino';
import type { ConfigSchema } from '../api/config-schema.ts';
import { EMBEDDED_LABEL } from '../api/names.ts';
import { canonicalJson } from '../domain/canonical.ts';
import type { EmbeddedConfigSchema } from '../schemas/embedded-config-schemas.ts';
import type { SchemaWriter } from './schema-ports.ts';

/** True when `object` says what the operator embeds: the same spec (defaults included) and the label. */
export function isAsEmbedded(object: ConfigSchema, desired: EmbeddedConfigSchema): boolean {
  return object.metadata.labels?.[EMBEDDED_LABEL] === desired.metadata.labels[EMBEDDED_LABEL] && canonicalJson(object.spec) === canonicalJson(desired.spec);
}

export async function keepEmbedded(cached: ConfigSchema | undefined, desired: EmbeddedConfigSchema, writer: SchemaWriter, log: Logger): Promise<boolean> {
  if (cached === undefined) {
    await writer.createEmbedded(desired);
    log.info('created the ConfigSchema of an embedded schema');
    return true;
  }
  if (cached.metadata.deletionTimestamp !== undefined || isAsEmbedded(cached, desired)) return false;
  await writer.restoreEmbedded(desired, cached.metadata.resourceVersion ?? '');
  log.warn('restored the ConfigSchema of an embedded schema changed by someone else');
  return true;
}
