/** The corpus of test schemas (corpus/*.json: {description, schema}), by name. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CorpusSchema } from './judge.ts';

const DIR = join(import.meta.dirname, 'corpus');

export function loadCorpus(): CorpusSchema[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const { description, schema } = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Omit<CorpusSchema, 'name'>;
      return { name: file.replace(/\.json$/, ''), description, schema };
    });
}
