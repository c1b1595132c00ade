/**
 * Invalid specs written by hand, each with the answer a person expects: the reason and the field the
 * message must name. The oracle for tests of validation (unit and integration): nothing here is
 * derived from src/domain/validate.ts, so a validator that accepts what it should refuse, or blames
 * the wrong field, fails them. Sizes: values that are valid by every rule of their schema and larger
 * than a limit, so only the size can refuse them.
 */
import { lookupSchema } from '../../src/schemas/index.ts';

export interface InvalidSpec {
  /** What is wrong, as a test name. */
  readonly what: string;
  readonly spec: { readonly schema: string; readonly key?: string; readonly data: Record<string, unknown> };
  readonly reason: 'InvalidData' | 'UnknownSchema' | 'InvalidKey' | 'DataTooLarge';
  /** The field the message must name, as it is written there (`data.pool.min`, `spec.key`). */
  readonly field: string;
}

function example(schema: string): Record<string, unknown> {
  const found = lookupSchema(schema);
  if (found === undefined) throw new Error(`no schema ${schema}`);
  return structuredClone(found.example) as Record<string, unknown>;
}

/** The example of `schema` with `change` applied to a copy. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each change reaches into an example by hand
function invalid(schema: string, what: string, field: string, change: (data: Record<string, any>) => void): InvalidSpec {
  const data = example(schema);
  change(data);
  return { what: `${schema}: ${what}`, spec: { schema, data }, reason: 'InvalidData', field };
}

/** Invalid data, by schema: a wrong type, a range, a pattern, a missing field, an unknown field, each cross-field rule. */
export const INVALID_DATA: readonly InvalidSpec[] = [
  invalid('database@v1', 'port as a string', 'data.port', (d) => (d.port = '5432')),
  invalid('database@v1', 'port 0', 'data.port', (d) => (d.port = 0)),
  invalid('database@v1', 'port above 65535', 'data.port', (d) => (d.port = 70000)),
  invalid('database@v1', 'a host with a space', 'data.host', (d) => (d.host = 'db shop')),
  invalid('database@v1', 'no database', 'data.database', (d) => delete d.database),
  invalid('database@v1', 'a user starting with a digit', 'data.user', (d) => (d.user = '9lives')),
  invalid('database@v1', 'an sslMode libpq does not know', 'data.sslMode', (d) => (d.sslMode = 'maybe')),
  // An unknown field: refused by zod's strict objects (an operator without the engine, as these tables run);
  // with the engine it is pruned, as for every schema (docs/design-notes.md, "Unknown fields").
  invalid('database@v1', 'a password inline', 'data', (d) => (d.password = 'hunter2')),
  invalid('database@v1', 'pool.min above pool.max', 'data.pool.min', (d) => (d.pool = { min: 30, max: 20 })),
  invalid('database@v1', 'connectMs above statementMs', 'data.timeouts.connectMs', (d) => (d.timeouts = { connectMs: 9000, statementMs: 1000 })),
  invalid('feature-flags@v1', 'a default variant that is not a variant', 'data.flags["new-checkout"].defaultVariant', (d) => (d.flags['new-checkout'].defaultVariant = 'maybe')),
  invalid('feature-flags@v1', 'rollout percentages adding up to 90', 'data.flags["new-checkout"].rollout', (d) => (d.flags['new-checkout'].rollout[1].percentage = 80)),
  invalid('feature-flags@v1', 'a rollout to an unknown variant', 'data.flags["new-checkout"].rollout', (d) => (d.flags['new-checkout'].rollout[0].variant = 'elsewhere')),
  invalid('feature-flags@v1', 'a boolean flag with a string variant', 'data.flags["new-checkout"].variants.on', (d) => (d.flags['new-checkout'].variants.on = 'yes')),
  invalid('feature-flags@v1', 'a flag type that does not exist', 'data.flags["banner-color"].type', (d) => (d.flags['banner-color'].type = 'colour')),
  invalid('feature-flags@v1', 'a percentage above 100', 'data.flags["new-checkout"].rollout[0].percentage', (d) => (d.flags['new-checkout'].rollout[0].percentage = 110)),
  invalid('feature-flags@v1', 'no flags at all', 'data.flags', (d) => delete d.flags),
  invalid('rate-limits@v1', 'burst below requestsPerSecond', 'data.routes[1].burst', (d) => (d.routes[1].burst = 50)),
  invalid('rate-limits@v1', 'a route without a leading slash', 'data.routes[0].route', (d) => (d.routes[0].route = 'api/orders')),
  invalid('rate-limits@v1', 'a method HTTP does not have', 'data.routes[0].methods[0]', (d) => (d.routes[0].methods = ['FETCH'])),
  invalid('rate-limits@v1', 'a method listed twice', 'data.routes[0].methods', (d) => (d.routes[0].methods = ['POST', 'POST'])),
  invalid('rate-limits@v1', 'the same route twice', 'data.routes', (d) => (d.routes[1].route = d.routes[0].route)),
  invalid('rate-limits@v1', 'a rate of 0', 'data.routes[0].requestsPerSecond', (d) => (d.routes[0].requestsPerSecond = 0)),
  invalid('rate-limits@v1', 'no routes', 'data.routes', (d) => (d.routes = [])),
  invalid('service-endpoints@v1', 'an ftp URL', 'data.endpoints[0].url', (d) => (d.endpoints[0].url = 'ftp://payments.internal')),
  invalid('service-endpoints@v1', 'an endpoint name that is not a DNS label', 'data.endpoints[1].name', (d) => (d.endpoints[1].name = 'Fall_Back')),
  invalid('service-endpoints@v1', 'the same endpoint name twice', 'data.endpoints', (d) => (d.endpoints[1].name = d.endpoints[0].name)),
  invalid('service-endpoints@v1', 'every weight 0', 'data.endpoints', (d) => d.endpoints.forEach((e: { weight: number }) => (e.weight = 0))),
  invalid('service-endpoints@v1', 'connectMs above requestMs', 'data.timeouts.connectMs', (d) => (d.timeouts = { connectMs: 6000, requestMs: 5000 })),
  invalid('service-endpoints@v1', 'backoff.initialMs above maxMs', 'data.retries.backoff.initialMs', (d) => (d.retries.backoff = { initialMs: 5000, maxMs: 1000 })),
  invalid('service-endpoints@v1', 'eleven retries', 'data.retries.attempts', (d) => (d.retries.attempts = 11)),
];

/** A schema id nothing embeds, of the right form (the CRD accepts it; the operator refuses it). */
export const UNKNOWN_SCHEMAS: readonly InvalidSpec[] = [
  { what: 'a schema that is not embedded', spec: { schema: 'payments@v1', data: { a: 1 } }, reason: 'UnknownSchema', field: 'spec.schema' },
  { what: 'a version that is not embedded', spec: { schema: 'database@v9', data: example('database@v1') }, reason: 'UnknownSchema', field: 'spec.schema' },
];

/** Keys that escape or break the namespace layout; the CRD's pattern refuses most of them at apply. */
export const INVALID_KEYS: readonly InvalidSpec[] = ['../up', 'a//b', '/abs', 'a/./b', 'tab\there', 'x'.repeat(300), 'ok/..', '.'].map((key) => ({
  what: `the key ${JSON.stringify(key.length > 20 ? `${key.slice(0, 8)}…(${key.length})` : key)}`,
  spec: { schema: 'rate-limits@v1', key, data: example('rate-limits@v1') },
  reason: 'InvalidKey' as const,
  field: 'spec.key',
}));

/**
 * Valid data whose JSON text is longer than `maxBytes` (so its canonical form is too: canonical JSON
 * drops whitespace the text has none of, and defaults only add). database@v1 has none: its bounded
 * fields cannot reach a few KiB.
 */
export function tooLarge(maxBytes: number): InvalidSpec[] {
  const filler = (n: number): string => 'x'.repeat(n);
  const count = (per: number): number => Math.ceil(maxBytes / per) + 1;
  const flags = Object.fromEntries(
    Array.from({ length: count(1000) }, (_, i) => [`flag-${i}`, { type: 'string', description: filler(1000), variants: { only: 'v' }, defaultVariant: 'only' }]),
  );
  const routes = Array.from({ length: count(1000) }, (_, i) => ({ route: `/r${i}/${filler(1000)}`, requestsPerSecond: 1, burst: 1 }));
  const endpoints = Array.from({ length: count(2000) }, (_, i) => ({ name: `e${i}`, url: `https://e${i}.internal/${filler(2000)}` }));
  if (routes.length > 500 || endpoints.length > 64) throw new RangeError(`${maxBytes} bytes is beyond what every schema can hold validly`);
  const specs: InvalidSpec['spec'][] = [
    { schema: 'feature-flags@v1', data: { flags } },
    { schema: 'rate-limits@v1', data: { routes } },
    { schema: 'service-endpoints@v1', data: { endpoints } },
  ];
  for (const spec of specs) if (JSON.stringify(spec.data).length <= maxBytes) throw new RangeError(`${spec.schema}: not larger than ${maxBytes}`);
  return specs.map((spec) => ({ what: `${spec.schema}: valid, ${JSON.stringify(spec.data).length} bytes`, spec, reason: 'DataTooLarge', field: 'data' }));
}

/** True when `message` (issues joined by `; `, as conditions carry them) has an issue about exactly `field`. */
export function namesField(message: string, field: string): boolean {
  return message.split('; ').some((issue) => issue.startsWith(`${field}: `));
}
