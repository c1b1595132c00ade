/** Everything a reconcile needs, wired once by the manager. */
import type { Logger } from 'pino';
import type { Metrics, Stage } from '../observability/metrics.ts';
import type { SchemaLookup } from '../domain/validate.ts';
import type { VerdictCache } from './verdict-cache.ts';
import type { EntryCache, EntryEventSink, EntryWriter, Fencing, OutcomeUnknownTest, Store, StoreView } from './ports.ts';

export interface ReconcileDeps {
  readonly cache: EntryCache;
  readonly writer: EntryWriter;
  readonly events: EntryEventSink;
  /** The reconciler reads and commits; the fence and full reads belong to the manager and the drift watch. */
  readonly store: Pick<Store, 'read' | 'commit'>;
  readonly view: StoreView;
  readonly isOutcomeUnknown: OutcomeUnknownTest;
  /** This leader's fence (undefined while not leading: then nothing is reconciled), moved after unknown outcomes. */
  readonly fencing: Fencing;
  readonly prefix: string;
  readonly maxBytes: number;
  /** The schema engine's compiled schemas, embedded and declared (the schema registry), when the engine runs. */
  readonly engineSchemas?: ((id: string) => SchemaLookup) | undefined;
  readonly now: () => Date;
  /** Verdicts already given, per entry (absent: every reconcile validates). */
  readonly verdicts?: VerdictCache | undefined;
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** Times `work` into the stage histogram. */
export async function timed<T>(metrics: Metrics, stage: Stage, work: () => Promise<T>): Promise<T> {
  const end = metrics.stage.startTimer({ stage });
  try {
    return await work();
  } finally {
    end();
  }
}
