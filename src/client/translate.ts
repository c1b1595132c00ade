/**
 * The client's boundary: whatever etcd3 or grpc-js threw becomes a ReadError. etcd failures go through
 * the operator's own translation first (etcd/translate-error.ts), so both sides classify alike; every
 * one of them means the read did not happen, which a reader can only retry later: UnavailableError.
 */
import { translateEtcdError } from '../etcd/translate-error.ts';
import { ReadError, UnavailableError } from './errors.ts';

export function toReadError(error: unknown, action: string): ReadError {
  if (error instanceof ReadError) return error;
  const etcd = translateEtcdError(error, action, 'read');
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
