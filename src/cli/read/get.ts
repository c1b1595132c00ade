/**
 * `cairn get NAMESPACE/KEY`: one committed value, checked by the reader client as an application
 * reads it (the bytes hash to what Cairn committed, the value conforms to its schema), with its
 * revision, generation, schema and hash. `--at-least REV` waits for read-your-commit.
 * Exit 0 read; 4 no value there; 1 a value that fails its checks; 3 etcd unavailable or REV not reached.
 */
import { stringify } from 'yaml';
import type { Entry, GetOptions } from '../../client/index.ts';
import type { CliSettings } from '../config.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { formatData, formatTable } from '../output.ts';
import { asCliError, openReader, parseEntryName } from '../reader.ts';

export interface GetFlags {
  readonly atLeast?: string;
  readonly serializable?: boolean;
  readonly timeoutMs?: string;
}

/** The table: one row of what the value is, then the value itself as YAML. */
export function formatEntry(entry: Entry): string {
  const row = formatTable(['namespace', 'key', 'schema', 'revision', 'generation', 'data hash'], [[entry.namespace, entry.key, entry.schema, entry.revision, String(entry.generation), entry.dataHash]]);
  return `${row}\n\n${stringify(entry.value, { lineWidth: 0 })}`;
}

export async function runGet(name: string, flags: GetFlags, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  const { namespace, key } = parseEntryName(name, true);
  const client = openReader(settings);
  try {
    const options: GetOptions<unknown> = {
      ...(flags.atLeast === undefined ? {} : { atLeast: flags.atLeast }),
      ...(flags.serializable ? { consistency: 'serializable' as const } : {}),
      ...(flags.timeoutMs === undefined ? {} : { timeoutMs: Number(flags.timeoutMs) }),
    };
    const entry = await client.get(namespace, key, options);
    write(settings.output === 'table' ? formatEntry(entry) : formatData(settings.output, entry));
    return EXIT.ok;
  } catch (error) {
    throw asCliError(error);
  } finally {
    await client.close();
  }
}
