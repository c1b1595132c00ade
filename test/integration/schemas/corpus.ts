/**
 * Test schemas for the admission parity test (until the shared corpus of test/parity lands): each
 * covers part of the dialect the generator translates. `probe` is a value the schema denies by a
 * type check, used to know when the policy is enforced.
 */
export interface TestSchema {
  readonly name: string;
  readonly schema: Record<string, unknown>;
  readonly probe: Record<string, unknown>;
}

const rule = (r: string, extra: Record<string, unknown> = {}) => ({ rule: r, ...extra });

export const CORPUS: readonly TestSchema[] = [
  {
    name: 'scalars',
    probe: { name: 1 },
    schema: {
      type: 'object',
      required: ['name', 'count'],
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 5 },
        slug: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 8 },
        count: { type: 'integer', minimum: 0, maximum: 10 },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1.5 },
        step: { type: 'integer', multipleOf: 5, exclusiveMaximum: true, maximum: 50 },
        enabled: { type: 'boolean', default: true },
        mode: { type: 'string', enum: ['fast', 'safe'], default: 'safe' },
        port: { 'x-kubernetes-int-or-string': true, maximum: 65535, maxLength: 6 },
        note: { type: 'string', nullable: true, maxLength: 3 },
        level: { type: 'integer', format: 'int32', default: 3 },
      },
    },
  },
  {
    name: 'defaults-and-rules',
    probe: { pool: 'x' },
    schema: {
      type: 'object',
      required: ['pool'],
      'x-kubernetes-validations': [
        rule('self.pool.min <= self.timeouts.connectMs', { message: 'pool.min must not exceed timeouts.connectMs' }),
        rule('!has(self.tags) || self.tags.all(t, t.size() <= 4)', { messageExpression: "self.tags.size() == 1 ? 'the tag is too long' : 'a tag is too long'" }),
      ],
      properties: {
        pool: {
          type: 'object',
          default: { min: 1, max: 10 },
          required: ['max'],
          properties: { min: { type: 'integer', minimum: 0, default: 1 }, max: { type: 'integer', maximum: 20, default: 10 } },
          'x-kubernetes-validations': [rule('self.min <= self.max', { message: 'must not be greater than max', fieldPath: '.min' })],
        },
        timeouts: {
          type: 'object',
          default: { connectMs: 5, ratio: 0.5 },
          properties: { connectMs: { type: 'integer', minimum: 1 }, ratio: { type: 'number', default: 0.5 } },
          'x-kubernetes-validations': [rule('self.ratio * 2.0 <= 3.0'), rule('self.?connectMs.orValue(1) >= 1')],
        },
        tags: { type: 'array', items: { type: 'string', maxLength: 8 }, maxItems: 3 },
      },
    },
  },
  {
    name: 'lists',
    probe: { routes: 'x' },
    schema: {
      type: 'object',
      properties: {
        routes: {
          type: 'array',
          minItems: 1,
          maxItems: 4,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['path'],
          items: {
            type: 'object',
            required: ['path', 'rate'],
            properties: {
              path: { type: 'string', pattern: '^/[a-z]*$' },
              rate: { type: 'number', minimum: 0 },
              burst: { type: 'integer', minimum: 1, maximum: 100 },
              methods: { type: 'array', items: { type: 'string', enum: ['GET', 'PUT'] }, 'x-kubernetes-list-type': 'set', default: ['GET'] },
            },
            'x-kubernetes-validations': [rule('!has(self.burst) || double(self.burst) >= self.rate', { message: 'must be at least rate', fieldPath: '.burst' })],
          },
          'x-kubernetes-validations': [rule('self.exists(r, r.path == "/")', { message: 'needs a route for /' })],
        },
        weights: { type: 'array', items: { type: 'integer', default: 1, minimum: 0 }, maxItems: 3 },
        labels: { type: 'array', items: { type: 'string', nullable: true, maxLength: 2 }, 'x-kubernetes-list-type': 'atomic' },
      },
    },
  },
  {
    name: 'maps-and-cel',
    probe: { limits: 'x' },
    schema: {
      type: 'object',
      properties: {
        limits: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 }, maxProperties: 3 },
        notes: {
          type: 'object',
          maxProperties: 4,
          additionalProperties: { type: 'string', nullable: true, maxLength: 10 },
          'x-kubernetes-validations': [rule('self.all(k, k.matches("^[a-z-]+$"))', { message: 'keys must be lower-case' })],
        },
        servers: {
          type: 'object',
          maxProperties: 4,
          additionalProperties: {
            type: 'object',
            required: ['host'],
            properties: { host: { type: 'string', minLength: 1, maxLength: 20 }, replicas: { type: 'integer', default: 1 } },
            'x-kubernetes-validations': [rule('self.replicas <= 3 || self.host.startsWith("big")', { messageExpression: "'too many replicas'" })],
          },
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        anything: { 'x-kubernetes-preserve-unknown-fields': true },
        list: { type: 'array', maxItems: 10, items: { type: 'integer', maximum: 1000, minimum: -1000 }, 'x-kubernetes-validations': [rule('self.filter(x, x > 5).size() <= 1 && self.map(x, x * 2).all(y, y < 100)')] },
      },
      minProperties: 1,
    },
  },
];
