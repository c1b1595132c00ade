/**
 * `npm run schemas:export`              prints every embedded schema's JSON Schema, by id, to stdout.
 * `npm run schemas:export -- --out DIR` writes DIR/<id>.schema.json, one file per schema.
 * `npm run schemas:export -- ID`        prints one schema.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportAllJsonSchemas, exportJsonSchema } from '../../src/schemas/json-schema.ts';

async function main(argv: readonly string[]): Promise<number> {
  const outIndex = argv.indexOf('--out');
  const ids = argv.filter((a, i) => !a.startsWith('--') && (outIndex < 0 || i !== outIndex + 1));
  const schemas = ids.length > 0 ? Object.fromEntries(ids.map((id) => [id, exportJsonSchema(id)])) : exportAllJsonSchemas();
  if (outIndex >= 0) {
    const dir = argv[outIndex + 1];
    if (dir === undefined) throw new Error('--out needs a directory');
    await mkdir(dir, { recursive: true });
    for (const [id, schema] of Object.entries(schemas)) {
      await writeFile(join(dir, `${id}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
      console.log(`wrote ${join(dir, `${id}.schema.json`)}`);
    }
    return 0;
  }
  process.stdout.write(`${JSON.stringify(ids.length === 1 ? Object.values(schemas)[0] : schemas, null, 2)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
