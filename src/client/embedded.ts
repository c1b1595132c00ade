/**
 * The embedded schemas as readers use them: each one's TypeScript type (the zod schema's output: what
 * Cairn stores, defaults applied) and a ValueSchema to pass to `get`/`watch`.
 *
 *   const { value } = await client.get('shop', 'checkout/db', { schema: database });
 *   value.pool.max; // number
 */
import type { z } from 'zod';
import { database as databaseDefinition } from '../schemas/database.ts';
import type { SchemaDefinition } from '../schemas/definition.ts';
import { featureFlags as featureFlagsDefinition } from '../schemas/feature-flags.ts';
import { lookupSchema } from '../schemas/index.ts';
import { rateLimits as rateLimitsDefinition } from '../schemas/rate-limits.ts';
import { serviceEndpoints as serviceEndpointsDefinition } from '../schemas/service-endpoints.ts';
import type { ValueSchema } from './types.ts';

export type Database = z.output<typeof databaseDefinition.schema>;
export type FeatureFlags = z.output<typeof featureFlagsDefinition.schema>;
export type RateLimits = z.output<typeof rateLimitsDefinition.schema>;
export type ServiceEndpoints = z.output<typeof serviceEndpointsDefinition.schema>;

function embedded<T>(definition: SchemaDefinition): ValueSchema<T> {
  return { id: definition.id, is: (value: unknown): value is T => definition.schema.safeParse(value).success };
}

export const database: ValueSchema<Database> = embedded(databaseDefinition);
export const featureFlags: ValueSchema<FeatureFlags> = embedded(featureFlagsDefinition);
export const rateLimits: ValueSchema<RateLimits> = embedded(rateLimitsDefinition);
export const serviceEndpoints: ValueSchema<ServiceEndpoints> = embedded(serviceEndpointsDefinition);

/**
 * The problem of `value` against the embedded schema `id` (zod: types, bounds and cross-field rules),
 * undefined when it conforms, or 'unknown' when no schema of that id is embedded.
 */
export function embeddedProblem(id: string, value: unknown): string | undefined | 'unknown' {
  const definition = lookupSchema(id);
  if (definition === undefined) return 'unknown';
  const parsed = definition.schema.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return issue === undefined ? 'does not conform' : `${issue.path.length === 0 ? '(value)' : `.${issue.path.join('.')}`}: ${issue.message}`;
}
