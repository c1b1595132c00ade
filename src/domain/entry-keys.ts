/** Which etcd keys an entry addresses: spec.key, or metadata.name when spec.key is absent. */
import type { ConfigEntry } from '../api/config-entry.ts';
import { checkRelativeKey, entryKeys, type EntryKeys } from './keys.ts';

export type ResolvedKeys = { readonly ok: true; readonly keys: EntryKeys } | { readonly ok: false; readonly message: string };

/** The entry's keys under `prefix`, or a message naming the field and the problem. */
export function resolveEntryKeys(entry: Pick<ConfigEntry, 'metadata' | 'spec'>, prefix: string): ResolvedKeys {
  const fromSpec = entry.spec.key !== undefined;
  const relative = entry.spec.key ?? entry.metadata.name;
  const check = checkRelativeKey(relative);
  if (!check.ok) {
    const field = fromSpec ? 'spec.key' : 'metadata.name (the default key)';
    return { ok: false, message: describeKeyProblem(field, relative, check.problem) };
  }
  return { ok: true, keys: entryKeys(prefix, entry.metadata.namespace, relative) };
}

/** `<field>: <problem>: "<key>"`, the key cut at 80 characters. */
export function describeKeyProblem(field: string, key: string, problem: string): string {
  return `${field}: ${problem}: ${JSON.stringify(truncate(key))}`;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
