/**
 * What a reader concludes from a bundle read at one revision (read-bundle.ts): its members, each
 * checked as `get` checks an entry (verify-entry.ts), and all of one generation. Pure.
 *
 * Guarantees:
 * - A bundle is served only when every member its record names is served: each value hashes to its
 *   meta's dataHash, and each meta names this bundle (the record's uid) and the record's generation.
 *   A member of another generation next to the record (which Cairn never writes: the record and every
 *   member's meta change in one transaction) is IntegrityError, never a mix.
 * - The first problem is the answer, naming the bundle and the member.
 */
import type { BundleRecord } from '../domain/bundle-record.ts';
import { IntegrityError, NotFoundError, type ReadError } from './errors.ts';
import type { RawBundle } from './read-bundle.ts';
import { checkIntegrity, type Committed } from './verify-entry.ts';

/** The members' committed values in the record's order, or the error that says why the bundle cannot be served. */
export function checkBundle(raw: RawBundle, namespace: string, name: string): { record: BundleRecord; recordRevision: string; members: Committed[] } | ReadError {
  const bundle = `${namespace}/${name}`;
  if (raw.kind === 'absent') {
    return new NotFoundError(`bundle ${bundle}: no bundle record (never committed, deleted, or committed by an operator without records, which writes it on its next reconcile)`, { entry: bundle });
  }
  if (raw.kind === 'unreadable') return new IntegrityError(`bundle ${bundle}: the bundle record is not Cairn's (unreadable)`, { entry: bundle });
  const { record } = raw;
  const members: Committed[] = [];
  for (const member of raw.members) {
    const committed = checkIntegrity(member);
    if (!(committed instanceof Error)) {
      const { meta } = committed;
      if (meta.uid !== record.uid || meta.ownerKind !== 'ConfigBundle') {
        return new IntegrityError(`bundle ${bundle}: member ${member.key} is not owned by this bundle (its meta names ${meta.ownerKind ?? 'ConfigEntry'} uid ${meta.uid})`, { entry: bundle });
      }
      if (meta.generation !== record.generation) {
        return new IntegrityError(`bundle ${bundle}: member ${member.key} holds generation ${meta.generation}, the bundle record generation ${record.generation}`, { entry: bundle });
      }
      members.push(committed);
      continue;
    }
    // A member the record names but Cairn's keys do not hold as committed: the bundle is not whole.
    return new IntegrityError(`bundle ${bundle}: member ${committed.message}`, { entry: bundle, cause: committed });
  }
  return { record, recordRevision: raw.recordRevision, members };
}
