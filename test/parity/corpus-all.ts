/**
 * Everything the differential test judges: the corpus of test schemas and every version of the
 * embedded schemas as the operator serves them (their ConfigSchemas' openAPIV3Schema).
 */
import { embeddedConfigSchemas } from '../../src/schemas/embedded-config-schemas.ts';
import { loadCorpus } from './corpus.ts';
import type { CorpusSchema } from './judge.ts';

export function embeddedCorpus(): CorpusSchema[] {
  return [...embeddedConfigSchemas()].flatMap(([name, cs]) =>
    cs.spec.versions.map((v) => ({ name: `${name}@${v.name}`, description: `the embedded schema ${name}@${v.name}`, schema: v.schema.openAPIV3Schema })),
  );
}

export function parityCorpus(): CorpusSchema[] {
  return [...loadCorpus(), ...embeddedCorpus()];
}
