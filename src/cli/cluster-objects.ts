/**
 * The Cairn objects a command reads from the apiserver: every ConfigSchema, and the ConfigEntries of
 * a namespace (or of all). Objects that do not parse are left out (the CRD's structural schema makes
 * that the apiserver's business, not ours). A list the apiserver refuses the caller (401, 403) is
 * denied (exit 5), any other failed list unavailable (exit 3); both name the list.
 */
import { type ConfigEntry, parseConfigEntry } from '../api/config-entry.ts';
import { type ConfigSchema, parseConfigSchema } from '../api/config-schema.ts';
import { API_VERSION, PLURAL, SCHEMA_PLURAL } from '../api/names.ts';
import type { CliSettings } from './config.ts';
import { deniedError, unavailableError } from './exit-codes.ts';
import { KubeAnswerError, type Kube, openKube } from './kube.ts';

async function list<T>(kube: Kube, path: string, what: string, parse: (item: unknown) => T | undefined): Promise<T[]> {
  try {
    const answer = await kube.get<{ items: unknown[] }>(path);
    return answer.items.flatMap((item) => {
      const parsed = parse(item);
      return parsed === undefined ? [] : [parsed];
    });
  } catch (error) {
    if (error instanceof KubeAnswerError && (error.status === 401 || error.status === 403)) throw deniedError(`listing ${what} was refused (HTTP ${error.status}): ${error.message}`, { cause: error });
    if (error instanceof KubeAnswerError) throw unavailableError(`listing ${what} failed (HTTP ${error.status}): ${error.message}`, { cause: error });
    throw error;
  }
}

export function listConfigSchemas(kube: Kube): Promise<ConfigSchema[]> {
  return list(kube, `/apis/${API_VERSION}/${SCHEMA_PLURAL}`, 'ConfigSchemas', (item) => {
    const parsed = parseConfigSchema(item);
    return parsed.ok ? parsed.schema : undefined;
  });
}

/** The entries of `namespace`, or of every namespace when it is undefined. */
export function listConfigEntries(kube: Kube, namespace: string | undefined): Promise<ConfigEntry[]> {
  const path = namespace === undefined ? `/apis/${API_VERSION}/${PLURAL}` : `/apis/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`;
  return list(kube, path, `ConfigEntries${namespace === undefined ? '' : ` in ${namespace}`}`, (item) => {
    const parsed = parseConfigEntry(item);
    return parsed.ok ? parsed.entry : undefined;
  });
}

/** Opens the apiserver for one call and closes it after. */
export async function withKube<T>(settings: CliSettings, use: (kube: Kube) => Promise<T>): Promise<T> {
  const kube = openKube(settings);
  try {
    return await use(kube);
  } finally {
    await kube.close();
  }
}
