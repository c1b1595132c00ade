/**
 * Building and reading KeyStates. A present key always carries the hash of its value; the value
 * itself only when whoever observed the key kept it (reads of etcd do; the store view keeps small
 * meta records and never data values, so that its memory does not grow with values).
 */
import { sha256 } from './canonical.ts';
import { parseStoredMeta } from './stored-meta.ts';
import type { KeyState, StoredMeta } from './types.ts';

/** A key that exists: its hash and revisions, and its value when kept. */
export type PresentKeyState = Extract<KeyState, { exists: true }>;

/** A present key as read from etcd: value, its hash, and both revisions. */
export function presentKey(value: string, modRevision: string, createRevision: string): PresentKeyState {
  return { exists: true, value, hash: sha256(value), modRevision, createRevision };
}

/** The same key without its value (hash and revisions only). */
export function withoutValue(state: PresentKeyState): PresentKeyState;
export function withoutValue(state: KeyState): KeyState;
export function withoutValue(state: KeyState): KeyState {
  if (!state.exists || state.value === undefined) return state;
  return { exists: true, hash: state.hash, modRevision: state.modRevision, createRevision: state.createRevision };
}

/**
 * What a present meta key says: the record, 'unreadable' when it holds something else, 'unknown'
 * when the value was not kept (only its hash), so the caller must read it first.
 */
export function metaRecordOf(state: Extract<KeyState, { exists: true }>): StoredMeta | 'unreadable' | 'unknown' {
  if (state.value === undefined) return 'unknown';
  return parseStoredMeta(state.value) ?? 'unreadable';
}
