/**
 * How every command prints: `-o table` (for people, kubectl's look: upper-case headers, columns
 * padded to the widest cell, three spaces apart), `-o json` and `-o yaml` (for scripts: the same
 * data whatever the table shows). Pure: strings out.
 */
import { stringify } from 'yaml';
import type { Output } from './config.ts';

/** Columns padded to their widest cell; the last column is not padded (no trailing spaces). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => [...(row[i] ?? '')].length)));
  return all
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length + 3))).join('').trimEnd())
    .join('\n');
}

/** Data as JSON (two-space indent) or YAML; both end with a newline. */
export function formatData(output: Exclude<Output, 'table'>, data: unknown): string {
  return output === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data, { lineWidth: 0 });
}

/** `text` cut to `max` characters with an ellipsis, on one line. */
export function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
}
