/**
 * The chaos suite's own idea of what Cairn must store, written apart from src/ so that the checker's
 * oracle is independent of the code under test: canonical JSON (object keys sorted by UTF-16 code
 * unit, no whitespace), its sha256, and the defaults of rate-limits@v1 (the only schema the workload
 * writes) applied by hand from the schema's documentation.
 */
import { createHash } from 'node:crypto';

/** Canonical JSON of a JSON value: sorted keys, no insignificant whitespace. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).filter((k) => object[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<lowercase hex>` of the UTF-8 bytes of `text`, as status.dataHash and meta report it. */
export function hashOf(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** Every method, in the order rate-limits@v1 documents as the default of `methods`. */
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export interface Route {
  readonly route: string;
  readonly requestsPerSecond: number;
  readonly burst: number;
  readonly methods?: readonly string[];
  readonly by?: string;
}

export interface RateLimits {
  readonly routes: readonly Route[];
  readonly defaultLimit?: { readonly requestsPerSecond: number; readonly burst: number };
}

/** rate-limits@v1 with its defaults filled in: `methods` (all) and `by` (client-ip) on each route. */
export function withDefaults(data: RateLimits): RateLimits {
  return { ...data, routes: data.routes.map((r) => ({ ...r, methods: r.methods ?? ALL_METHODS, by: r.by ?? 'client-ip' })) };
}

/** rate-limits@v1's rules that the workload breaks on purpose (burst below rate, a route twice). */
export function isValidRateLimits(data: RateLimits): boolean {
  const bucketOk = (b: { requestsPerSecond: number; burst: number }): boolean => b.requestsPerSecond > 0 && Number.isInteger(b.burst) && b.burst >= 1 && b.burst >= b.requestsPerSecond;
  if (data.routes.length === 0 || !data.routes.every(bucketOk)) return false;
  if (data.defaultLimit !== undefined && !bucketOk(data.defaultLimit)) return false;
  return new Set(data.routes.map((r) => r.route)).size === data.routes.length;
}
