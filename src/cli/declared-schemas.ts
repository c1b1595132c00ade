/**
 * Declared schemas as the operator holds them: each ConfigSchema judged (judgeVersions: compiled by
 * the engine, translated by the admission generator) and registered in a SchemaRegistry, Ready or
 * not Ready with the refusal, exactly as the schema reconciler does, beside the embedded versions
 * pinned as the operator pins them. The registry's lookup is what validateData takes as
 * `engineSchemas`, so a command's verdict on an entry's data is the operator's.
 */
import type { ConfigSchema } from '../api/config-schema.ts';
import { SchemaRegistry } from '../controller/schema-registry.ts';
import { judgeVersions, type SchemaVerdict } from '../domain/judge-schema.ts';
import { embeddedConfigSchemas } from '../schemas/embedded-config-schemas.ts';
import type { SchemaEngine } from '../schemas/engine/engine.ts';

/** Judges and registers `schema`; returns the verdict (its refusal, when there is one). */
export function registerSchema(registry: SchemaRegistry, schema: ConfigSchema): SchemaVerdict {
  const verdict = judgeVersions(schema, (id, openAPIV3Schema) => registry.compile(id, openAPIV3Schema));
  const name = schema.metadata.name;
  if (verdict.refusal === undefined) registry.setReady(name, verdict.versions.filter((v) => v.admission !== undefined).map((v) => v.name));
  else registry.setNotReady(name, verdict.refusal.message);
  return verdict;
}

export function declaredRegistry(engine: SchemaEngine, schemas: readonly ConfigSchema[]): SchemaRegistry {
  const registry = new SchemaRegistry(engine, () => {});
  registry.pinEmbedded(embeddedConfigSchemas());
  for (const schema of schemas) registerSchema(registry, schema);
  return registry;
}
