/**
 * `cairn types NAME@vN`: a TypeScript module for the values of a schema, to read them typed with
 * `cairn/client`. A declared schema: the module generated from the version the operator published
 * in etcd (generateTypes: the type, the ValueSchema, the guard). An embedded schema: cairn/client
 * exports its type and ValueSchema already; the module re-exports them under the same names.
 * Exit 4 when no such schema is embedded or published.
 */
import { generatedNames, generateTypes } from '../../client/index.ts';
import { SCHEMA_ID_PATTERN, schemaNameOf } from '../../api/names.ts';
import { lookupSchema } from '../../schemas/index.ts';
import type { CliSettings } from '../config.ts';
import { EXIT, type ExitCode, usageError } from '../exit-codes.ts';
import { asCliError, openReader } from '../reader.ts';

/** The module for an embedded schema: cairn/client's own exports (`database`, `Database`) under the generated names. */
export function embeddedTypesModule(id: string, from: string): string {
  const names = generatedNames(id);
  const base = schemaNameOf(id).replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const type = base.charAt(0).toUpperCase() + base.slice(1);
  return [
    `// ${id} is embedded in Cairn: ${from} exports its type (${type}) and ValueSchema (${base}) directly.`,
    `import { ${base}, type ${type} } from '${from}';`,
    '',
    `export type ${names.type} = ${type};`,
    `export const ${names.schema} = ${base};`,
    '',
    `/** The runtime guard: true when \`value\` is a ${names.type}. */`,
    `export function ${names.guard}(value: unknown): value is ${names.type} {`,
    `  return ${base}.is(value);`,
    '}',
    '',
  ].join('\n');
}

export async function runTypes(id: string, flags: { from?: string }, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  if (!new RegExp(SCHEMA_ID_PATTERN).test(id)) throw usageError(`${JSON.stringify(id)} is not a schema id of the form name@vN (for example payments@v1)`);
  const from = flags.from ?? 'cairn/client';
  if (lookupSchema(id) !== undefined) {
    write(embeddedTypesModule(id, from));
    return EXIT.ok;
  }
  const client = openReader(settings);
  try {
    write(generateTypes(await client.publishedSchema(id), from));
    return EXIT.ok;
  } catch (error) {
    throw asCliError(error);
  } finally {
    await client.close();
  }
}
