/**
 * The embedded schemas as ConfigSchemas: one per schema name (`database`, `feature-flags`, ...), its
 * versions the embedded ids of that name, so `kubectl get configschemas` lists every id an entry may
 * name, and embedded and declared versions go through the same engine, admission policy and
 * publication. The operator creates them at start and restores them when edited (EMBEDDED_LABEL).
 *
 * Guarantees: deterministic (every replica and every restart wants the same objects); a version's
 * openAPIV3Schema is the zod schema's export (json-schema.ts) except for a `notStructural` version,
 * whose listed schema is looser than its zod schema (see definition.ts) and which zod judges.
 * Errors: throws when an export cannot be expressed in the dialect (a bug the unit tests catch).
 */
import type { SchemaVersionSpec } from '../api/config-schema.ts';
import { API_VERSION, EMBEDDED_LABEL, SCHEMA_KIND, schemaNameOf, splitSchemaId } from '../api/names.ts';
import type { SchemaDefinition } from './definition.ts';
import { registry } from './index.ts';
import { exportOpenAPIV3Schema } from './json-schema.ts';

type Node = Record<string, unknown>;

/** What the operator applies: a ConfigSchema without status. */
export interface EmbeddedConfigSchema {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: { readonly description: string; readonly versions: readonly SchemaVersionSpec[] };
}

/**
 * The schema listed for a version zod judges: `untypedMap`'s values untyped, and the rules of the
 * object holding it dropped (they read the map, or, on an unbounded map of such objects, cost more
 * than the apiserver allows without the bounds zod never had).
 */
function withUntypedMap(node: Node, map: string): Node {
  const holdsMap = Object.hasOwn((node.properties as Node | undefined) ?? {}, map);
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'x-kubernetes-validations') {
      if (!holdsMap) out[key] = value;
    } else if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Node>).map(([name, child]) => {
          if (name !== map) return [name, withUntypedMap(child, map)];
          const { 'x-kubernetes-validations': _rules, ...rest } = child;
          return [name, { ...rest, additionalProperties: { 'x-kubernetes-preserve-unknown-fields': true } }];
        }),
      );
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = withUntypedMap(value as Node, map);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The openAPIV3Schema an embedded id is served with. */
export function embeddedOpenAPIV3Schema(definition: SchemaDefinition): Node {
  const exported = exportOpenAPIV3Schema(definition.id);
  return definition.notStructural === undefined ? exported : withUntypedMap(exported, definition.notStructural.untypedMap);
}

function versionOf(definition: SchemaDefinition): SchemaVersionSpec {
  const version = (splitSchemaId(definition.id) as { version: string }).version;
  return {
    name: version,
    served: true,
    deprecated: definition.deprecationWarning !== undefined,
    ...(definition.deprecationWarning === undefined ? {} : { deprecationWarning: definition.deprecationWarning }),
    schema: { openAPIV3Schema: embeddedOpenAPIV3Schema(definition) },
  };
}

function versionNumber(id: string): number {
  return Number(splitSchemaId(id)?.version.slice(1));
}

/** Every embedded schema name with its ConfigSchema, sorted by name; versions in order. */
export function embeddedConfigSchemas(): ReadonlyMap<string, EmbeddedConfigSchema> {
  const byName = new Map<string, SchemaDefinition[]>();
  for (const definition of registry.values()) {
    const name = schemaNameOf(definition.id);
    byName.set(name, [...(byName.get(name) ?? []), definition]);
  }
  const out = new Map<string, EmbeddedConfigSchema>();
  for (const name of [...byName.keys()].sort()) {
    const versions = (byName.get(name) ?? []).sort((a, b) => versionNumber(a.id) - versionNumber(b.id));
    out.set(name, {
      apiVersion: API_VERSION,
      kind: SCHEMA_KIND,
      metadata: { name, labels: { [EMBEDDED_LABEL]: 'true' } },
      spec: { description: (versions.at(-1) as SchemaDefinition).description, versions: versions.map(versionOf) },
    });
  }
  return out;
}
