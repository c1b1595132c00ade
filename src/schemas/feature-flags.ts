/**
 * feature-flags@v1: typed flags with named variants, a default variant and an optional percentage
 * rollout, in the spirit of OpenFeature/flagd flag definitions.
 */
import { z } from 'zod';
import { withRules, type SchemaDefinition } from './definition.ts';

const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/, {
    message: 'must be lower-case letters, digits, - or _, starting and ending with a letter or digit',
  });

const rolloutStep = z
  .strictObject({
    variant: name.describe('Variant served to this share of subjects.'),
    percentage: z.int().min(0).max(100).describe('Share of subjects, in percent.'),
  })
  .describe('One slice of a percentage rollout.');

/** The parts every flag type shares; `variants` differs only in the type of its values. */
function flagOf<T extends z.ZodType>(type: 'boolean' | 'string' | 'number', value: T) {
  return z.strictObject({
    type: z.literal(type).describe('Type of every variant value.'),
    description: z.string().max(1024).optional().describe('What the flag controls.'),
    enabled: z.boolean().default(true).describe('When false, every subject gets the default variant.'),
    variants: z.record(name, value).describe('Named values this flag can take.'),
    defaultVariant: name.describe('Variant served when the flag is disabled or no rollout applies.'),
    rollout: z.array(rolloutStep).max(100).optional().describe('Percentage split between variants; sums to 100.'),
  });
}

const flagUnion = z.discriminatedUnion('type', [
  flagOf('boolean', z.boolean()),
  flagOf('string', z.string().max(4096)),
  flagOf('number', z.number()),
]);
type Flag = z.output<typeof flagUnion>;

function rolloutTotal(flag: Flag): number {
  return (flag.rollout ?? []).reduce((sum, step) => sum + step.percentage, 0);
}

const flag = withRules(flagUnion.describe('One feature flag.'), [
  {
    check: (f) => Object.hasOwn(f.variants, f.defaultVariant),
    message: 'must name one of the variants',
    path: ['defaultVariant'],
    cel: 'self.defaultVariant in self.variants',
  },
  {
    check: (f) => (f.rollout ?? []).every((step) => Object.hasOwn(f.variants, step.variant)),
    message: 'every rollout variant must name one of the variants',
    path: ['rollout'],
    cel: '!has(self.rollout) || self.rollout.all(s, s.variant in self.variants)',
  },
  {
    check: (f) => f.rollout === undefined || f.rollout.length === 0 || rolloutTotal(f) === 100,
    message: 'rollout percentages must add up to 100',
    path: ['rollout'],
    cel: '!has(self.rollout) || size(self.rollout) == 0 || self.rollout.map(s, s.percentage).sum() == 100',
  },
]);

const schema = z
  .strictObject({
    flags: z.record(name, flag).describe('Flags by name.'),
  })
  .describe('A set of feature flags.');

export const featureFlags = {
  id: 'feature-flags@v1',
  deprecationWarning: 'feature-flags@v1 is deprecated: the cluster cannot check its variant values at apply; use feature-flags@v2 (one typed map of variants per flag)',
  notStructural: {
    reason: 'a variant value is a boolean, a string or a number by flag type: a structural schema has no such union, and CEL cannot read a value without a type',
    untypedMap: 'variants',
  },
  description: 'Feature flags with typed variants (boolean, string or number), a default variant and percentage rollouts.',
  schema,
  example: {
    flags: {
      'new-checkout': {
        type: 'boolean',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        rollout: [
          { variant: 'on', percentage: 10 },
          { variant: 'off', percentage: 90 },
        ],
      },
      'banner-color': {
        type: 'string',
        variants: { red: '#c00', blue: '#00c' },
        defaultVariant: 'blue',
      },
    },
  },
} satisfies SchemaDefinition;
