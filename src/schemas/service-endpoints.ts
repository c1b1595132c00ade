/** service-endpoints@v1: where a client finds a service, how long it waits and how it retries. */
import { z } from 'zod';
import { withRules, type SchemaDefinition } from './definition.ts';

/**
 * A URL is checked by a rule rather than `format: uri`: the admission policy cannot reproduce the
 * apiserver's format checks, and the format would not say http or https. zod parses it as a WHATWG
 * URL (the schema's input side is the plain string, so the export carries no format); the CEL twin
 * uses the Kubernetes URL library (Go's url.ParseRequestURI). Both refuse what is not an absolute
 * http(s) URL; they may differ on odd corners (docs/design-notes.md, embedded schemas).
 */
const url = z
  .string()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, message: 'must be an http or https URL' }))
  .meta({
    description: 'Base URL, http or https.',
    'x-kubernetes-validations': [{ rule: "isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''", message: 'must be an http or https URL' }],
  });

const endpoint = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, { message: 'must be a DNS label (lower-case letters, digits and -)' })
      .describe('Name of the endpoint, unique in the list.'),
    url,
    weight: z.int().min(0).max(100).default(1).describe('Relative share of traffic; 0 takes it out of rotation.'),
  })
  .describe('One endpoint of the service.');

const timeouts = withRules(
  z
    .strictObject({
      connectMs: z.int().min(1).max(60_000).default(1_000).describe('Time allowed to connect.'),
      requestMs: z.int().min(1).max(600_000).default(10_000).describe('Time allowed for a whole request.'),
    })
    .describe('Timeouts in milliseconds.'),
  [
    {
      check: (t) => t.connectMs <= t.requestMs,
      message: 'must not be greater than timeouts.requestMs',
      path: ['connectMs'],
      cel: '(has(self.connectMs) ? self.connectMs : 1000) <= (has(self.requestMs) ? self.requestMs : 10000)',
    },
  ],
);

const backoff = withRules(
  z
    .strictObject({
      initialMs: z.int().min(1).max(60_000).default(100).describe('Delay before the first retry.'),
      maxMs: z.int().min(1).max(600_000).default(2_000).describe('Longest delay between retries.'),
      multiplier: z.number().min(1).max(10).default(2).describe('Factor applied to the delay after each retry.'),
      jitter: z.boolean().default(true).describe('Randomise each delay to avoid synchronised retries.'),
    })
    .describe('Exponential backoff between retries.'),
  [
    {
      check: (b) => b.initialMs <= b.maxMs,
      message: 'must not be greater than backoff.maxMs',
      path: ['initialMs'],
      cel: '(has(self.initialMs) ? self.initialMs : 100) <= (has(self.maxMs) ? self.maxMs : 2000)',
    },
  ],
);

const retries = z
  .strictObject({
    attempts: z.int().min(0).max(10).default(2).describe('Retries after the first attempt; 0 disables retries.'),
    retryOn: z
      .array(z.enum(['connect-failure', 'reset', '5xx', 'gateway-error', 'retriable-4xx']))
      .max(5)
      .default(['connect-failure', '5xx'])
      .describe('Failures that are retried.'),
    backoff: backoff.prefault({}),
  })
  .describe('Retry policy.');

const schema = withRules(
  z
    .strictObject({
      endpoints: z.array(endpoint).min(1).max(64).describe('Endpoints of the service.'),
      timeouts: timeouts.prefault({}),
      retries: retries.prefault({}),
    })
    .describe("A service's endpoints, timeouts and retries."),
  [
    {
      check: (v) => new Set(v.endpoints.map((e) => e.name)).size === v.endpoints.length,
      message: 'must not use the same endpoint name twice',
      path: ['endpoints'],
      cel: 'self.endpoints.all(e, self.endpoints.exists_one(f, f.name == e.name))',
    },
    {
      check: (v) => v.endpoints.some((e) => e.weight > 0),
      message: 'at least one endpoint must have a weight above 0',
      path: ['endpoints'],
      cel: 'self.endpoints.exists(e, !has(e.weight) || e.weight > 0)',
    },
  ],
);

export const serviceEndpoints = {
  id: 'service-endpoints@v1',
  description: "A service's endpoints with weights, connect and request timeouts, and retries with exponential backoff.",
  schema,
  example: {
    endpoints: [
      { name: 'primary', url: 'https://payments.internal:8443', weight: 9 },
      { name: 'fallback', url: 'https://payments-dr.internal:8443', weight: 1 },
    ],
    timeouts: { connectMs: 500, requestMs: 5000 },
    retries: { attempts: 3, backoff: { initialMs: 50, maxMs: 1000 } },
  },
} satisfies SchemaDefinition;
