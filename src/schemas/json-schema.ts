/**
 * JSON Schema export of the embedded schemas (draft 2020-12), for documentation, editors, and the
 * zod -> JSON Schema -> CEL admission policy generated later.
 *
 * Contract: describes the *input* a person writes (fields with defaults are optional); cross-field
 * rules appear as `x-kubernetes-validations` CEL on the object they constrain (see definition.ts).
 */
import { z } from 'zod';
import { lookupSchema, schemaIds } from './index.ts';
import { toOpenAPIV3 } from './openapi.ts';

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of the schema registered under `id`; throws when no schema has that id. */
export function exportJsonSchema(id: string): JsonSchema {
  const definition = lookupSchema(id);
  if (definition === undefined) {
    throw new Error(`unknown schema ${JSON.stringify(id)}; known schemas: ${schemaIds().join(', ')}`);
  }
  const generated = z.toJSONSchema(definition.schema, { io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  const { $schema, ...rest } = generated;
  return { $schema, $id: `https://cairn.dev/schemas/${id}.json`, title: id, ...rest, description: definition.description };
}

/** Every registered schema's JSON Schema, by id. */
export function exportAllJsonSchemas(): Record<string, JsonSchema> {
  return Object.fromEntries(schemaIds().map((id) => [id, exportJsonSchema(id)]));
}

/**
 * The schema registered under `id` as the `openAPIV3Schema` of an entry's spec.data, in the
 * structural dialect of CRDs (./openapi.ts): what the schema engine compiles. Throws when no schema
 * has that id, or when the JSON Schema cannot be expressed faithfully in that dialect.
 */
export function exportOpenAPIV3Schema(id: string): JsonSchema {
  return toOpenAPIV3(exportJsonSchema(id));
}
