/**
 * Everything the differential test judges: the corpus of test schemas and the four embedded schemas
 * (their openAPIV3Schema, as the engine compiles them).
 */
import { exportOpenAPIV3Schema } from '../../src/schemas/json-schema.ts';
import { schemaIds } from '../../src/schemas/index.ts';
import { loadCorpus } from './corpus.ts';
import type { CorpusSchema } from './judge.ts';

export function embeddedCorpus(): CorpusSchema[] {
  return schemaIds().map((id) => ({ name: id, description: `the embedded schema ${id}`, schema: exportOpenAPIV3Schema(id) }));
}

export function parityCorpus(): CorpusSchema[] {
  return [...loadCorpus(), ...embeddedCorpus()];
}
