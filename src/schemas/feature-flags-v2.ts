/**
 * feature-flags@v2: feature-flags@v1 reshaped for the structural dialect of CRDs, so the schema engine
 * and the admission policy judge it exactly. A flag carries one typed map of variants
 * (`booleanVariants`, `stringVariants` or `numberVariants`) instead of a `type` and a map of mixed
 * values, which a structural schema cannot type. Bounds on the maps keep every rule's CEL cost within
 * the apiserver's limits.
 */
import { z } from 'zod';
import { withRules, type SchemaDefinition } from './definition.ts';

const MAX_FLAGS = 256;
const MAX_VARIANTS = 64;

const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/, {
    message: 'must be lower-case letters, digits, - or _, starting and ending with a letter or digit',
  });

/** A map of at most `max` entries, checked by zod and carried as `maxProperties` for the dialect. */
function boundedRecord<V extends z.ZodType>(value: V, max: number, description: string) {
  return z
    .record(name, value)
    .refine((r) => Object.keys(r).length <= max, { message: `must have at most ${max} entries` })
    .meta({ description, maxProperties: max });
}

const rolloutStep = z
  .strictObject({
    variant: name.describe('Variant served to this share of subjects.'),
    percentage: z.int().min(0).max(100).describe('Share of subjects, in percent.'),
  })
  .describe('One slice of a percentage rollout.');

const TYPED_MAPS = ['booleanVariants', 'stringVariants', 'numberVariants'] as const;

const flagFields = z.strictObject({
  description: z.string().max(1024).optional().describe('What the flag controls.'),
  enabled: z.boolean().default(true).describe('When false, every subject gets the default variant.'),
  booleanVariants: boundedRecord(z.boolean(), MAX_VARIANTS, 'Named values of a boolean flag.').optional(),
  stringVariants: boundedRecord(z.string().max(4096), MAX_VARIANTS, 'Named values of a string flag.').optional(),
  numberVariants: boundedRecord(z.number(), MAX_VARIANTS, 'Named values of a number flag.').optional(),
  defaultVariant: name.describe('Variant served when the flag is disabled or no rollout applies.'),
  rollout: z.array(rolloutStep).max(100).optional().describe('Percentage split between variants; sums to 100.'),
});
type Flag = z.output<typeof flagFields>;

function variantsOf(flag: Flag): Readonly<Record<string, unknown>> {
  return flag.booleanVariants ?? flag.stringVariants ?? flag.numberVariants ?? {};
}

/** CEL: `x` names a variant of the flag's one typed map. */
function isVariantCel(x: string): string {
  return TYPED_MAPS.map((m) => `(has(self.${m}) && ${x} in self.${m})`).join(' || ');
}

const flag = withRules(flagFields.describe('One feature flag: exactly one typed map of variants.'), [
  {
    check: (f) => TYPED_MAPS.filter((m) => f[m] !== undefined).length === 1,
    message: 'must set exactly one of booleanVariants, stringVariants or numberVariants',
    path: [],
    cel: TYPED_MAPS.map((m) => `(has(self.${m}) ? 1 : 0)`).join(' + ') + ' == 1',
  },
  {
    check: (f) => Object.hasOwn(variantsOf(f), f.defaultVariant),
    message: 'must name one of the variants',
    path: ['defaultVariant'],
    cel: isVariantCel('self.defaultVariant'),
  },
  {
    check: (f) => (f.rollout ?? []).every((step) => Object.hasOwn(variantsOf(f), step.variant)),
    message: 'every rollout variant must name one of the variants',
    path: ['rollout'],
    cel: `!has(self.rollout) || self.rollout.all(s, ${isVariantCel('s.variant')})`,
  },
  {
    check: (f) => f.rollout === undefined || f.rollout.length === 0 || f.rollout.reduce((sum, s) => sum + s.percentage, 0) === 100,
    message: 'rollout percentages must add up to 100',
    path: ['rollout'],
    cel: '!has(self.rollout) || size(self.rollout) == 0 || self.rollout.map(s, s.percentage).sum() == 100',
  },
]);

const schema = z
  .strictObject({
    flags: boundedRecord(flag, MAX_FLAGS, 'Flags by name.'),
  })
  .describe('A set of feature flags.');

export const featureFlagsV2: SchemaDefinition = {
  id: 'feature-flags@v2',
  description: 'Feature flags with one typed map of variants each (boolean, string or number), a default variant and percentage rollouts.',
  schema,
  example: {
    flags: {
      'new-checkout': {
        booleanVariants: { on: true, off: false },
        defaultVariant: 'off',
        rollout: [
          { variant: 'on', percentage: 10 },
          { variant: 'off', percentage: 90 },
        ],
      },
      'banner-color': {
        stringVariants: { red: '#c00', blue: '#00c' },
        defaultVariant: 'blue',
      },
    },
  },
};
