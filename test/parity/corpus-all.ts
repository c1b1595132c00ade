/** Everything the differential test judges: the corpus of test schemas (embedded schemas join later). */
import { loadCorpus } from './corpus.ts';
import type { CorpusSchema } from './judge.ts';

export function parityCorpus(): CorpusSchema[] {
  return loadCorpus();
}
