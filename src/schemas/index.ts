/**
 * The embedded schema registry: schema id -> definition. Adding a schema means adding its file and
 * one line in `DEFINITIONS`; ids are checked for syntax and uniqueness when this module loads.
 */
import { SCHEMA_ID_PATTERN } from '../api/names.ts';
import { database } from './database.ts';
import type { SchemaDefinition } from './definition.ts';
import { featureFlags } from './feature-flags.ts';
import { featureFlagsV2 } from './feature-flags-v2.ts';
import { rateLimits } from './rate-limits.ts';
import { serviceEndpoints } from './service-endpoints.ts';

export type { SchemaDefinition } from './definition.ts';

const DEFINITIONS: readonly SchemaDefinition[] = [
  database,
  featureFlags,
  featureFlagsV2,
  rateLimits,
  serviceEndpoints,
];

function indexById(definitions: readonly SchemaDefinition[]): ReadonlyMap<string, SchemaDefinition> {
  const pattern = new RegExp(SCHEMA_ID_PATTERN);
  const byId = new Map<string, SchemaDefinition>();
  for (const definition of definitions) {
    if (!pattern.test(definition.id)) throw new Error(`schema id ${JSON.stringify(definition.id)} is not name@vN`);
    if (byId.has(definition.id)) throw new Error(`schema id ${definition.id} is registered twice`);
    byId.set(definition.id, definition);
  }
  return byId;
}

/** Every embedded schema by id. */
export const registry: ReadonlyMap<string, SchemaDefinition> = indexById(DEFINITIONS);

/** The definition registered under `id`, or undefined when no embedded schema has that id. */
export function lookupSchema(id: string): SchemaDefinition | undefined {
  return registry.get(id);
}

/** Every registered id, sorted, for messages ("known schemas: ...") and exports. */
export function schemaIds(): string[] {
  return [...registry.keys()].sort();
}
