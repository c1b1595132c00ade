/**
 * The differential run: `cases` values spread over the corpus (generated from each schema, seeded, so
 * a run repeats), each judged by every judge; every difference from the first judge (the oracle) on
 * an aspect the other judge claims is a disagreement.
 */
import fc from 'fast-check';
import { type CorpusSchema, type Judge, type SchemaVerdict, type Verdict, differences, schemaDifferences } from './judge.ts';
import { casesOf } from './values.ts';

export interface Disagreement {
  readonly schema: string;
  readonly value: unknown;
  readonly judge: string;
  readonly differences: readonly string[];
  readonly reference: Verdict;
  readonly verdict: Verdict;
}

/** A schema the judges disagree on (accepted by one, refused by another, or refused differently). */
export interface SchemaDisagreement {
  readonly schema: string;
  readonly judge: string;
  readonly differences: readonly string[];
}

export interface ParityReport {
  readonly cases: number;
  /** Schemas every judge refused (with the same messages): they get no values. */
  readonly refusedSchemas: readonly string[];
  readonly schemaDisagreements: readonly SchemaDisagreement[];
  /** Cases the oracle accepted: the run must exercise both outcomes to mean anything. */
  readonly accepted: number;
  readonly disagreements: readonly Disagreement[];
  /** Schemas a declining judge refused, by judge: it abstained on their values. */
  readonly abstained: Readonly<Record<string, readonly string[]>>;
}

export interface ParityOptions {
  readonly judges: readonly Judge[];
  readonly corpus: readonly CorpusSchema[];
  readonly cases: number;
  readonly seed: number;
  /** Values judged at once (the oracle is an HTTP server). */
  readonly concurrency?: number;
  readonly log?: (line: string) => void;
}

export async function runParity(options: ParityOptions): Promise<ParityReport> {
  const { judges, corpus, log = () => {} } = options;
  const [reference, ...others] = judges;
  if (reference === undefined) throw new Error('no judges');
  const served: CorpusSchema[] = [];
  const refusedSchemas: string[] = [];
  const schemaDisagreements: SchemaDisagreement[] = [];
  const abstained: Record<string, string[]> = {};
  for (const schema of corpus) {
    const verdicts: SchemaVerdict[] = [];
    for (const judge of judges) verdicts.push(await judge.prepare(schema));
    const expected = verdicts[0] as SchemaVerdict;
    others.forEach((judge, i) => {
      if (judge.declines) {
        if (expected.ok && !(verdicts[i + 1] as SchemaVerdict).ok) (abstained[judge.name] ??= []).push(schema.name);
        return;
      }
      const found = schemaDifferences(expected, verdicts[i + 1] as SchemaVerdict, judge.aspects);
      if (found.length > 0) schemaDisagreements.push({ schema: schema.name, judge: judge.name, differences: found });
    });
    if (verdicts.every((v, i) => v.ok || judges[i]?.declines)) served.push(schema);
    else if (expected.ok === false) refusedSchemas.push(schema.name);
  }

  const work: { schema: CorpusSchema; value: unknown }[] = [];
  served.forEach((schema, i) => {
    const count = Math.floor(options.cases / served.length) + (i < options.cases % served.length ? 1 : 0);
    for (const value of fc.sample(casesOf(schema.schema), { numRuns: count, seed: options.seed + i })) work.push({ schema, value });
  });

  const disagreements: Disagreement[] = [];
  let accepted = 0;
  let done = 0;
  async function judgeOne(item: { schema: CorpusSchema; value: unknown }): Promise<void> {
    const expected = await reference!.judge(item.schema, item.value);
    if (expected.ok) accepted += 1;
    for (const judge of others) {
      if (abstained[judge.name]?.includes(item.schema.name)) continue;
      const verdict = await judge.judge(item.schema, item.value);
      const found = differences(expected, verdict, judge.aspects);
      if (found.length > 0) disagreements.push({ schema: item.schema.name, value: item.value, judge: judge.name, differences: found, reference: expected, verdict });
    }
    done += 1;
    if (done % 1000 === 0) log(`${done} of ${work.length} cases, ${disagreements.length} disagreements`);
  }
  const queue = [...work];
  const workers = Array.from({ length: options.concurrency ?? 4 }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await judgeOne(item);
  });
  await Promise.all(workers);
  return { cases: work.length, refusedSchemas, schemaDisagreements, accepted, disagreements, abstained };
}

/** A disagreement in a few lines, for a person. */
export function describeDisagreement(d: Disagreement): string {
  return `${d.schema} (${d.judge}): ${JSON.stringify(d.value)}\n  ${d.differences.join('\n  ')}`;
}
