/**
 * An informer source whose first list is one already sent (start-up.ts sends it before the operator's
 * modules load); every later list, and every watch, goes to the source itself.
 *
 * Guarantees: the first list() answers exactly what the early list answered (its objects and
 * resourceVersion, or its failure, after which the informer lists again through the source).
 */
import type { InformerSource } from './informer.ts';
import type { ResourceList } from './config-entries.ts';

export function withFirstList<T>(source: InformerSource<T>, first: Promise<ResourceList<T>>): InformerSource<T> {
  let pending: Promise<ResourceList<T>> | undefined = first;
  return {
    list: () => {
      const answer = pending ?? source.list();
      pending = undefined;
      return answer;
    },
    watch: (resourceVersion, onEvent, onDone) => source.watch(resourceVersion, onEvent, onDone),
  };
}
