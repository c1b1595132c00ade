/**
 * `cairn validate -f FILE|DIR|- ... [--cluster]`: offline verdicts on manifests (check-documents.ts),
 * with declared schemas from the files, and from the cluster with `--cluster` (its ConfigSchemas are
 * read, nothing is written). Exit 0 only when every document is valid (skipped ones do not count),
 * 1 when one is not; a missing file is a usage error and nothing is judged.
 */
import { type ConfigSchema, parseConfigSchema } from '../../api/config-schema.ts';
import { API_VERSION, SCHEMA_PLURAL } from '../../api/names.ts';
import type { CliSettings } from '../config.ts';
import { loadCliEngine } from '../engine.ts';
import { EXIT, type ExitCode, unavailableError } from '../exit-codes.ts';
import { KubeAnswerError, openKube } from '../kube.ts';
import { checkDocuments } from './check-documents.ts';
import { loadManifests } from './files.ts';
import { formatValidate, summarize } from './report.ts';

export interface ValidateOptions {
  readonly files: readonly string[];
  readonly cluster: boolean;
}

async function clusterSchemas(settings: CliSettings): Promise<ConfigSchema[]> {
  const kube = openKube(settings);
  try {
    const list = await kube.get<{ items: unknown[] }>(`/apis/${API_VERSION}/${SCHEMA_PLURAL}`);
    return list.items.flatMap((item) => {
      const parsed = parseConfigSchema(item);
      return parsed.ok ? [parsed.schema] : [];
    });
  } catch (error) {
    if (error instanceof KubeAnswerError) throw unavailableError(`--cluster: listing ConfigSchemas failed (HTTP ${error.status}): ${error.message}`, { cause: error });
    throw error;
  } finally {
    await kube.close();
  }
}

export async function runValidate(options: ValidateOptions, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  const { files, documents } = loadManifests(options.files);
  const declared = options.cluster ? await clusterSchemas(settings) : [];
  const engine = await loadCliEngine(settings);
  const results = checkDocuments(documents, { engine, maxBytes: settings.maxDataBytes, prefix: settings.prefix, clusterSchemas: declared });
  const summary = summarize(files.length, results);
  write(formatValidate(settings.output, results, summary));
  return summary.invalid === 0 ? EXIT.ok : EXIT.findings;
}
