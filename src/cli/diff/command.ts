/**
 * `cairn diff [NAMESPACE]`: per key, what Kubernetes declares against what etcd holds (compare.ts),
 * printed the way `kubectl diff` reads (a unified diff from etcd to Kubernetes for each key that
 * differs), then one line per state. Exit 0 when every key is in sync, 1 when any is not.
 *
 * The declared value is the one the operator would store: validated, defaults applied, canonical.
 * Entries of declared schemas need the schema engine (and the cluster's ConfigSchemas); without an
 * engine file they are compared by generation only, and the output says so.
 */
import type { Etcd3 } from 'etcd3';
import type { ConfigEntry } from '../../api/config-entry.ts';
import { resolveEntryKeys } from '../../domain/entry-keys.ts';
import { parseStoreKey } from '../../domain/keys.ts';
import { validateData } from '../../domain/validate.ts';
import { createEtcdClient } from '../../etcd/client.ts';
import { EtcdStore } from '../../etcd/store.ts';
import { lookupSchema } from '../../schemas/index.ts';
import type { SchemaRegistry } from '../../controller/schema-registry.ts';
import { listConfigEntries, listConfigSchemas, withKube } from '../cluster-objects.ts';
import type { CliSettings } from '../config.ts';
import { etcdConnection, etcdReadError } from '../reader.ts';
import { declaredRegistry } from '../declared-schemas.ts';
import { loadCliEngine } from '../engine.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { formatData } from '../output.ts';
import { compareEntries, type Declared, type DiffItem, type EntryInput, prettyJson, type StoredPair } from './compare.ts';
import { lineDiff } from './line-diff.ts';

async function readStore(settings: CliSettings, namespace: string | undefined): Promise<Map<string, StoredPair>> {
  const connection = etcdConnection(settings);
  const client: Etcd3 = createEtcdClient(connection);
  const pairs = new Map<string, { data?: StoredPair['data']; meta?: StoredPair['meta'] }>();
  try {
    const store = new EtcdStore(client);
    const scope = namespace === undefined ? '' : `${namespace}/`;
    const visit = (kv: { key: string; value: string; modRevision: string }): void => {
      const parsed = parseStoreKey(settings.prefix, kv.key);
      if (parsed === undefined) return;
      const id = `${parsed.namespace}/${parsed.key}`;
      pairs.set(id, { ...pairs.get(id), [parsed.kind]: { value: kv.value, modRevision: kv.modRevision } });
    };
    const revision = await store.scanPrefix(`${settings.prefix}/data/${scope}`, visit);
    await store.scanPrefix(`${settings.prefix}/meta/${scope}`, visit, revision);
  } catch (error) {
    throw etcdReadError(error, connection.endpoints);
  } finally {
    client.close();
  }
  return pairs;
}

function declaredOf(entry: ConfigEntry, settings: CliSettings, registry: SchemaRegistry | undefined): Declared {
  if (lookupSchema(entry.spec.schema) === undefined && registry === undefined) {
    return { ok: 'unknown', message: 'a declared schema: compared by generation only; pass --schema-engine-file to compare values' };
  }
  const validated = validateData(entry.spec.schema, entry.spec.data, { maxBytes: settings.maxDataBytes, engineSchemas: registry === undefined ? undefined : (id) => registry.lookup(id) });
  return validated.ok ? { ok: true, canonical: validated.canonical, dataHash: validated.dataHash } : { ok: false, message: validated.message };
}

/** One item as kubectl diff shows a change: the two sides, then the lines that differ. */
export function formatItem(item: DiffItem, prefix: string): string {
  const where = `${item.namespace}/${item.key}`;
  const entry = item.entry === undefined ? '(no ConfigEntry)' : `ConfigEntry ${item.namespace}/${item.entry}`;
  const lines = [
    `diff -u etcd/${where} kubernetes/${where}`,
    `--- etcd        ${prefix}/data/${where}${item.revision === undefined ? ' (absent)' : ` (revision ${item.revision})`}`,
    `+++ kubernetes  ${entry}`,
    `# ${item.state}: ${item.detail}`,
  ];
  const before = prettyJson(item.stored);
  const after = prettyJson(item.declared);
  if (item.state !== 'drifted' && (item.stored !== undefined || item.declared !== undefined)) lines.push(...lineDiff(before, after));
  return `${lines.join('\n')}\n`;
}

export async function runDiff(namespace: string | undefined, settings: CliSettings, write: (text: string) => void): Promise<ExitCode> {
  const { entries, schemas } = await withKube(settings, async (kube) => ({ entries: await listConfigEntries(kube, namespace), schemas: await listConfigSchemas(kube) }));
  const needsEngine = entries.some((e) => lookupSchema(e.spec.schema) === undefined);
  const registry = needsEngine && settings.schemaEngineFile !== undefined ? declaredRegistry(await loadCliEngine(settings), schemas) : undefined;
  const stored = await readStore(settings, namespace);
  const inputs: EntryInput[] = entries
    .filter((e) => e.metadata.deletionTimestamp === undefined)
    .map((entry) => {
      const keys = resolveEntryKeys(entry, settings.prefix);
      if (!keys.ok) return { entry, key: undefined, declared: { ok: false, message: keys.message } };
      return { entry, key: entry.spec.key ?? entry.metadata.name, declared: declaredOf(entry, settings, registry) };
    });
  const items = compareEntries(inputs, stored);
  const differing = items.filter((i) => i.state !== 'in-sync');
  if (settings.output !== 'table') write(formatData(settings.output, items));
  else {
    write(differing.map((i) => formatItem(i, settings.prefix)).join('\n'));
    const counts = new Map<string, number>();
    for (const i of items) counts.set(i.state, (counts.get(i.state) ?? 0) + 1);
    const summary = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
    write(`${differing.length > 0 ? '\n' : ''}${items.length} key${items.length === 1 ? '' : 's'}${namespace === undefined ? '' : ` in ${namespace}`}: ${summary || 'none'}\n`);
  }
  return differing.length === 0 ? EXIT.ok : EXIT.findings;
}
