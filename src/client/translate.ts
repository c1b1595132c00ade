/**
 * The client's boundary: whatever etcd3 or grpc-js threw becomes a ReadError. etcd failures go through
 * the operator's own translation first (etcd/translate-error.ts), so both sides classify alike. Every
 * one of them means the read did not happen; they differ in what the caller can do about it:
 * etcd refused the credentials or the roles (EtcdPermissionError) -> PermissionDeniedError, fixed by
 * whoever manages etcd's users; anything else -> UnavailableError, retried later.
 */
import { EtcdPermissionError } from '../etcd/errors.ts';
import { translateEtcdError } from '../etcd/translate-error.ts';
import { PermissionDeniedError, ReadError, UnavailableError } from './errors.ts';

export function toReadError(error: unknown, action: string): ReadError {
  if (error instanceof ReadError) return error;
  const etcd = translateEtcdError(error, action, 'read');
  if (etcd instanceof EtcdPermissionError) return new PermissionDeniedError(`${etcd.message} (etcd refused the credentials, or the user's roles do not allow this read)`, { cause: etcd });
  return new UnavailableError(etcd.message, { cause: etcd });
}

/** Runs one read against etcd, translating what it throws. */
export async function readCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toReadError(error, action);
  }
}

function mentions(error: unknown, text: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes(text)) return true;
  }
  return false;
}

/** True when etcd refused a read at a revision that was compacted (the caller reads again, newer). */
export function isCompacted(error: unknown): boolean {
  return mentions(error, 'required revision has been compacted');
}

/** True when the member asked has not applied the revision read at yet (a serializable read on a lagging member). */
export function isFutureRevision(error: unknown): boolean {
  return mentions(error, 'required revision is a future revision');
}
