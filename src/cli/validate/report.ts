/**
 * What `cairn validate` prints. Table: one line per document (where, what, verdict), then each
 * problem as `file:line: message` (editors and terminals open that), then a summary. JSON/YAML: the
 * results and the summary, for CI annotations (every finding has file, line, field and message).
 */
import type { Output } from '../config.ts';
import { formatData, formatTable } from '../output.ts';
import type { DocumentResult } from './check-documents.ts';

export interface ValidateSummary {
  readonly files: number;
  readonly documents: number;
  readonly valid: number;
  readonly invalid: number;
  readonly skipped: number;
}

export function summarize(files: number, results: readonly DocumentResult[]): ValidateSummary {
  const count = (status: DocumentResult['status']): number => results.filter((r) => r.status === status).length;
  return { files, documents: results.length, valid: count('valid'), invalid: count('invalid'), skipped: count('skipped') };
}

function objectName(r: DocumentResult): string {
  if (r.kind === '') return '(unparsable)';
  const name = r.name === '' ? '(no name)' : r.name;
  return `${r.kind} ${r.namespace === undefined ? name : `${r.namespace}/${name}`}`;
}

function verdict(r: DocumentResult): string {
  const schema = r.schema === undefined ? '' : ` (${r.schema})`;
  if (r.status === 'skipped') return 'skipped: not a Cairn object';
  return `${r.status}${schema}`;
}

export function formatValidate(output: Output, results: readonly DocumentResult[], summary: ValidateSummary): string {
  if (output !== 'table') return formatData(output, { summary, documents: results });
  const lines: string[] = [];
  if (results.length > 0) lines.push(formatTable(['file', 'object', 'verdict'], results.map((r) => [`${r.file}:${r.line}`, objectName(r), verdict(r)])));
  const findings = results.flatMap((r) => [
    ...r.problems.map((p) => `${r.file}:${p.line}: ${p.message}`),
    ...r.warnings.map((w) => `${r.file}:${w.line}: warning: ${w.message}`),
  ]);
  if (findings.length > 0) lines.push('', ...findings);
  const skipped = summary.skipped > 0 ? `, ${summary.skipped} skipped` : '';
  lines.push('', `${summary.documents} document${summary.documents === 1 ? '' : 's'} in ${summary.files} file${summary.files === 1 ? '' : 's'}: ${summary.valid} valid, ${summary.invalid} invalid${skipped}`);
  return `${lines.join('\n')}\n`;
}
