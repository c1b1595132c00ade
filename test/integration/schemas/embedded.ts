/**
 * The embedded schemas' exported JSON Schemas (draft 2020-12, src/schemas/json-schema.ts) rewritten in
 * the structural dialect of CRDs, where a rewrite means the same thing to a CRD: `$schema`, `$id`,
 * `title` and `additionalProperties: false` go (a CRD prunes undeclared fields instead of rejecting
 * them, so that is the oracle's verdict for them), a numeric exclusive bound becomes the boolean form,
 * `const` a one-value enum. Everything else is left as it is, so what the generator cannot translate
 * (oneOf, propertyNames, string formats) stays visible as its refusal.
 */
import { exportAllJsonSchemas } from '../../../src/schemas/json-schema.ts';

type Schema = Record<string, unknown>;

export function toStructural(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema' || key === '$id' || key === 'title') continue;
    if (key === 'additionalProperties' && value === false) continue;
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'number') {
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[key] = true;
      continue;
    }
    if (key === 'const') {
      out.enum = [value];
      continue;
    }
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, toStructural(v as Schema)])) : isSchemaValued(key) ? mapSchemas(value) : value;
  }
  return out;
}

function isSchemaValued(key: string): boolean {
  return ['items', 'additionalProperties', 'propertyNames', 'oneOf', 'anyOf', 'allOf', 'not'].includes(key);
}

function mapSchemas(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => toStructural(v as Schema));
  return typeof value === 'object' && value !== null ? toStructural(value as Schema) : value;
}

/** Every embedded schema, by id, in the structural dialect. */
export function embeddedStructuralSchemas(): Record<string, Schema> {
  return Object.fromEntries(Object.entries(exportAllJsonSchemas()).map(([id, schema]) => [id, toStructural(schema)]));
}
