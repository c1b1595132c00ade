/** database@v1: how a service connects to a PostgreSQL-compatible database (no secrets inline). */
import { z } from 'zod';
import { withRules, type SchemaDefinition } from './definition.ts';

const identifier = z.string().min(1).max(63).regex(/^[A-Za-z_][A-Za-z0-9_$-]*$/, {
  message: 'must start with a letter or _ and contain only letters, digits, _, $ or -',
});

const pool = withRules(
  z
    .strictObject({
      min: z.int().min(0).max(1000).default(0).describe('Connections kept open when idle.'),
      max: z.int().min(1).max(1000).default(10).describe('Most connections open at once.'),
      idleTimeoutSeconds: z.int().min(0).max(86400).default(300).describe('Close idle connections after this.'),
    })
    .describe('Connection pool bounds.'),
  [
    {
      check: (p) => p.min <= p.max,
      message: 'must not be greater than pool.max',
      path: ['min'],
      cel: '(has(self.min) ? self.min : 0) <= (has(self.max) ? self.max : 10)',
    },
  ],
);

const timeouts = withRules(
  z
    .strictObject({
      connectMs: z.int().min(1).max(600_000).default(5_000).describe('Time allowed to open a connection.'),
      statementMs: z.int().min(0).max(86_400_000).default(30_000).describe('Statement timeout; 0 means none.'),
    })
    .describe('Timeouts in milliseconds.'),
  [
    {
      check: (t) => t.statementMs === 0 || t.connectMs <= t.statementMs,
      message: 'must not be greater than timeouts.statementMs (unless statementMs is 0)',
      path: ['connectMs'],
      cel:
        '!has(self.statementMs) || self.statementMs == 0 || ' +
        '(has(self.connectMs) ? self.connectMs : 5000) <= self.statementMs',
    },
  ],
);

const schema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, { message: 'must be a host name or an IPv4 address' })
      .describe('Host name or IPv4 address of the database server.'),
    port: z.int().min(1).max(65535).default(5432).describe('TCP port.'),
    database: identifier.describe('Database name.'),
    user: identifier.describe('User to connect as.'),
    passwordSecretRef: z
      .strictObject({
        name: z.string().min(1).max(253).describe('Secret name, in the entry namespace.'),
        key: z.string().min(1).max(253).default('password').describe('Key in the Secret.'),
      })
      .optional()
      .describe('Where readers find the password: a Secret reference, never the password itself.'),
    sslMode: z
      .enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'])
      .default('verify-full')
      .describe('libpq sslmode.'),
    pool: pool.prefault({}),
    timeouts: timeouts.prefault({}),
  })
  .describe('A database connection.');

export const database = {
  id: 'database@v1',
  description: 'Connection settings for a PostgreSQL-compatible database: host, port, credentials reference, TLS mode, pool and timeouts.',
  schema,
  example: {
    host: 'db.shop.svc',
    port: 5432,
    database: 'checkout',
    user: 'checkout',
    passwordSecretRef: { name: 'checkout-db' },
    sslMode: 'require',
    pool: { min: 2, max: 20 },
  },
} satisfies SchemaDefinition;
