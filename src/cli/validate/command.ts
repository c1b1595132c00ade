/**
 * `cairn validate -f FILE|DIR|- ... [--cluster]`: offline verdicts on manifests (check-documents.ts),
 * with declared schemas from the files, and from the cluster with `--cluster` (its ConfigSchemas are
 * read, nothing is written). Exit 0 only when every document is valid (skipped ones do not count),
 * 1 when one is not; a missing file is a usage error and nothing is judged.
 */
import type { CliSettings } from '../config.ts';
import { loadCliEngine } from '../engine.ts';
import { listConfigSchemas, withKube } from '../cluster-objects.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { checkDocuments } from './check-documents.ts';
import { loadManifests } from './files.ts';
import { formatValidate, summarize } from './report.ts';

export interface ValidateOptions {
  readonly files: readonly string[];
  readonly cluster: boolean;
}

export async function runValidate(options: ValidateOptions, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  const { files, documents } = loadManifests(options.files);
  const declared = options.cluster ? await withKube(settings, listConfigSchemas) : [];
  const engine = await loadCliEngine(settings);
  const results = checkDocuments(documents, { engine, maxBytes: settings.maxDataBytes, prefix: settings.prefix, clusterSchemas: declared });
  const summary = summarize(files.length, results);
  write(formatValidate(settings.output, results, summary));
  return summary.invalid === 0 ? EXIT.ok : EXIT.findings;
}
