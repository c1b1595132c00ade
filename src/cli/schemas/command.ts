/**
 * `cairn schemas` (every schema id an entry may name: embedded, and declared in the cluster or in
 * `-f` manifests) and `cairn explain NAME@vN[.field.path]`. Exit 4 when the id or field does not exist.
 */
import type { CliSettings } from '../config.ts';
import { EXIT, type ExitCode, notFoundError, usageError } from '../exit-codes.ts';
import { formatData, formatTable, oneLine } from '../output.ts';
import { findField, formatExplain, splitExplainTarget } from './explain.ts';
import { allSchemas } from './sources.ts';

export async function runSchemas(flags: { filename?: string[] }, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  const schemas = await allSchemas(settings, flags.filename);
  if (settings.output !== 'table') {
    write(formatData(settings.output, schemas.map(({ openAPIV3Schema: _schema, ...rest }) => rest)));
    return EXIT.ok;
  }
  const rows = schemas.map((s) => [s.id, s.source, s.state, s.deprecated ? 'yes' : '', s.entries === undefined ? '' : String(s.entries), oneLine(s.description, 70)]);
  write(`${formatTable(['id', 'source', 'state', 'deprecated', 'entries', 'description'], rows)}\n`);
  return EXIT.ok;
}

export async function runExplain(target: string, flags: { filename?: string[] }, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  const { id, path } = splitExplainTarget(target);
  if (!/^[a-z0-9-]+@v[0-9]+$/.test(id)) throw usageError(`${JSON.stringify(target)}: name a schema as NAME@vN, then optionally a field path (database@v1.pool.max)`);
  const schemas = await allSchemas(settings, flags.filename);
  const schema = schemas.find((s) => s.id === id);
  if (schema === undefined) throw notFoundError(`no schema ${id}; known: ${schemas.map((s) => s.id).join(', ')}`);
  const found = findField(schema.openAPIV3Schema, path);
  if (!found.ok) throw notFoundError(`${id}: ${found.message}`);
  write(settings.output === 'table' ? formatExplain(schema, path, found) : formatData(settings.output, { id, source: schema.source, field: path.join('.'), required: found.required, schema: found.node }));
  return EXIT.ok;
}
