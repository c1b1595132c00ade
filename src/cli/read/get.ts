/**
 * `cairn get NAMESPACE/KEY`: one committed value, checked by the reader client as an application
 * reads it (the bytes hash to what Cairn committed, the value conforms to its schema), with its
 * revision, generation, schema and hash. `cairn get NAMESPACE --bundle NAME`: every member of a
 * ConfigBundle, read at one revision and of one generation (`client.getBundle`).
 * `--at-least REV` waits for read-your-commit.
 * Exit 0 read; 4 no value (no bundle record) there; 1 a value that fails its checks; 3 etcd
 * unavailable or REV not reached.
 */
import { stringify } from 'yaml';
import type { Bundle, Entry, GetOptions } from '../../client/index.ts';
import type { CliSettings } from '../config.ts';
import { EXIT, type ExitCode, usageError } from '../exit-codes.ts';
import { formatData, formatTable } from '../output.ts';
import { asCliError, openReader, parseEntryName } from '../reader.ts';

export interface GetFlags {
  readonly bundle?: string;
  readonly atLeast?: string;
  readonly serializable?: boolean;
  readonly timeoutMs?: string;
}

/** The table: one row of what the value is, then the value itself as YAML. */
export function formatEntry(entry: Entry): string {
  const row = formatTable(['namespace', 'key', 'schema', 'revision', 'generation', 'data hash'], [[entry.namespace, entry.key, entry.schema, entry.revision, String(entry.generation), entry.dataHash]]);
  return `${row}\n\n${stringify(entry.value, { lineWidth: 0 })}`;
}

/** The table: the bundle in one line, one row per member, then each member's value as YAML. */
export function formatBundle(bundle: Bundle): string {
  const head = formatTable(['namespace', 'bundle', 'generation', 'revision', 'read at', 'members'], [[bundle.namespace, bundle.name, String(bundle.generation), bundle.revision, bundle.readAt, String(bundle.members.length)]]);
  const rows = formatTable(['key', 'schema', 'revision', 'data hash'], bundle.members.map((m) => [m.key, m.schema, m.revision, m.dataHash]));
  const values = bundle.members.map((m) => `--- ${m.key}\n${stringify(m.value, { lineWidth: 0 })}`);
  return `${head}\n\n${rows}\n\n${values.join('')}`;
}

export async function runGet(name: string, flags: GetFlags, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  const { namespace, key } = parseEntryName(name, flags.bundle === undefined);
  if (flags.bundle !== undefined && key !== '') throw usageError(`${JSON.stringify(name)}: with --bundle, name only the namespace (cairn get ${namespace} --bundle ${flags.bundle})`);
  const client = openReader(settings);
  try {
    const options: GetOptions<unknown> = {
      ...(flags.atLeast === undefined ? {} : { atLeast: flags.atLeast }),
      ...(flags.serializable ? { consistency: 'serializable' as const } : {}),
      ...(flags.timeoutMs === undefined ? {} : { timeoutMs: Number(flags.timeoutMs) }),
    };
    if (flags.bundle !== undefined) {
      const bundle = await client.getBundle(namespace, flags.bundle, options);
      write(settings.output === 'table' ? formatBundle(bundle) : formatData(settings.output, bundle));
      return EXIT.ok;
    }
    const entry = await client.get(namespace, key, options);
    write(settings.output === 'table' ? formatEntry(entry) : formatData(settings.output, entry));
    return EXIT.ok;
  } catch (error) {
    throw asCliError(error);
  } finally {
    await client.close();
  }
}
