/**
 * `cairn watch NAMESPACE[/PREFIX]`: the reader client's typed changes as they happen, until Ctrl-C
 * (or SIGTERM), which ends it with exit 0. Table: kubectl's `-w` look, one row per change (a resync
 * prints one row per value it holds). `-o json`: one JSON object per line; `-o yaml`: one document
 * per change. etcd out of reach is retried (the client's watch reconnects) until Ctrl-C, said on stderr
 * once when the watch loses etcd and once when etcd answers again (not once per retry); etcd refusing
 * the caller ends the watch with exit 5 (PermissionDenied): for a person at a terminal, waiting for a
 * role to be granted is not an answer.
 */
import type { Change, ReadError, Watch } from '../../client/index.ts';
import type { CliSettings } from '../config.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { formatData, oneLine } from '../output.ts';
import { asCliError, openReader, parseEntryName } from '../reader.ts';

const HEADERS = ['revision', 'change', 'key', 'schema', 'value'];
const WIDTHS = [10, 10, 28, 24];

/** One change as table rows, aligned to fixed widths (a stream cannot wait for the widest cell). */
export function changeRows(change: Change): string[][] {
  switch (change.type) {
    case 'put':
      return [[change.revision, 'put', `${change.entry.namespace}/${change.entry.key}`, change.entry.schema, oneLine(JSON.stringify(change.entry.value), 80)]];
    case 'delete':
      return [[change.revision, 'delete', `${change.namespace}/${change.key}`, '', '']];
    case 'rejected':
      return [[change.revision, 'rejected', `${change.namespace}/${change.key}`, '', oneLine(`${change.error.code}: ${change.error.message}`, 80)]];
    case 'resync':
      return [
        [change.revision, `resync`, `(${change.reason}: ${change.snapshot.entries.length} values, ${change.snapshot.rejected.length} rejected)`, '', ''],
        ...change.snapshot.entries.map((e) => [e.revision, 'value', `${e.namespace}/${e.key}`, e.schema, oneLine(JSON.stringify(e.value), 80)]),
        ...change.snapshot.rejected.map((r) => ['', 'rejected', `${r.namespace}/${r.key}`, '', oneLine(`${r.error.code}: ${r.error.message}`, 80)]),
      ];
  }
}

export function formatRow(cells: readonly string[]): string {
  return cells.map((cell, i) => (i < WIDTHS.length ? cell.padEnd(WIDTHS[i] as number) + '   ' : cell)).join('').trimEnd();
}

/** A change for scripts: errors as {code, message}. */
function changeData(change: Change): unknown {
  if (change.type === 'rejected') return { ...change, error: { code: change.error.code, message: change.error.message } };
  if (change.type === 'resync') return { ...change, snapshot: { ...change.snapshot, rejected: change.snapshot.rejected.map((r) => ({ ...r, error: { code: r.error.code, message: r.error.message } })) } };
  return change;
}

/** The lines on stderr while etcd is out of reach: one when the watch loses it, one when it is back. */
export function connectionLines(warn: (text: string) => void): { readonly lost: (error: ReadError) => void; readonly back: () => void } {
  let away = false;
  return {
    lost: (error) => {
      if (away) return;
      away = true;
      warn(`cairn: watch: lost etcd (${oneLine(`${error.code}: ${error.message}`, 200)}); retrying until it is back\n`);
    },
    back: () => {
      if (!away) return;
      away = false;
      warn('cairn: watch: etcd is back; the watch goes on from where it was\n');
    },
  };
}

export async function runWatch(target: string, flags: { afterRevision?: string }, settings: CliSettings, write: (text: string) => void, warn: (text: string) => void): Promise<ExitCode> {
  const { namespace, key: prefix } = parseEntryName(target, false);
  const client = openReader(settings);
  let refused: ReadError | undefined;
  let watch: Watch<unknown>;
  const connection = connectionLines(warn);
  const onError = (error: ReadError): void => {
    if (error.code !== 'PermissionDenied') return connection.lost(error);
    if (refused !== undefined) return;
    refused = error;
    void watch.close();
  };
  try {
    watch = client.watch(namespace, { onError, onRecovered: connection.back, ...(prefix === '' ? {} : { prefix }), ...(flags.afterRevision === undefined ? {} : { afterRevision: flags.afterRevision }) });
  } catch (error) {
    await client.close();
    throw asCliError(error);
  }
  const stop = (): void => void watch.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (settings.output === 'table') write(`${formatRow(HEADERS.map((h) => h.toUpperCase()))}\n`);
  try {
    for await (const change of watch) {
      if (settings.output === 'json') write(`${JSON.stringify(changeData(change))}\n`);
      else if (settings.output === 'yaml') write(`---\n${formatData('yaml', changeData(change))}`);
      else write(changeRows(change).map((row) => `${formatRow(row)}\n`).join(''));
    }
    if (refused !== undefined) throw refused;
    return EXIT.ok;
  } catch (error) {
    throw asCliError(error);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await client.close();
  }
}
