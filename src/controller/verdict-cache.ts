/**
 * Verdicts already given, one per entry, so that a reconcile of an unchanged entry whose value etcd
 * already holds (the periodic resync, a requeue) does not validate its data again: with the schema
 * engine one validation costs about a millisecond of CPU (WebAssembly), a hundred times zod's.
 *
 * A verdict is remembered for (entry uid, metadata.generation, judge): the generation changes with
 * every change of spec (schema id and data included), the uid with every re-creation, and the judge
 * (validate.ts judgeOf: the engine's compilation of the schema, or its zod definition) with every new
 * content of the schema. Same data, same judge: the same verdict, so a remembered one is only ever
 * the verdict validation would give again. It is used only to confirm a value etcd already holds
 * (plan's `confirmed`); every write is planned from a full validation.
 *
 * A verdict keeps what the validation pruned (domain/pruned-fields.ts: at most ten paths named), so a
 * confirmed entry's status names the same unknown fields as a validated one's: a resync never flips
 * the FieldsPruned condition, and so never writes status.
 *
 * Bounded by the entries this replica watches: one verdict per entry key, replaced by the next, and
 * forgotten when the entry leaves the informer's cache (the manager calls `forget`); `remember` for
 * an entry the cache no longer holds (deleted while its reconcile ran) keeps nothing.
 */
import type { PrunedFields } from '../domain/pruned-fields.ts';

export interface Verdict {
  readonly schema: string;
  readonly dataHash: string;
  /** What the validation pruned (NOTHING_PRUNED, shared, for most entries): a confirmed entry's status names it too. */
  readonly pruned: PrunedFields;
}

/** The verdict itself and what it was given for, in one object (one per entry watched). */
interface Held extends Verdict {
  readonly uid: string;
  readonly generation: number;
  readonly judge: object;
}

export class VerdictCache {
  private readonly held = new Map<string, Held>();
  private readonly holds: (entryKey: string, uid: string) => boolean;

  /** `holds(key, uid)`: whether the informer's cache still holds that entry (see `remember`). */
  constructor(holds: (entryKey: string, uid: string) => boolean) {
    this.holds = holds;
  }

  /** How many verdicts are held (at most one per entry watched). */
  get size(): number {
    return this.held.size;
  }

  /** The verdict given for exactly this entry, generation and judge, or undefined. */
  confirmed(entryKey: string, uid: string, generation: number, judge: object): Verdict | undefined {
    const held = this.held.get(entryKey);
    if (held === undefined || held.uid !== uid || held.generation !== generation || held.judge !== judge) return undefined;
    return { schema: held.schema, dataHash: held.dataHash, pruned: held.pruned };
  }

  /** Remembers the verdict `judge` gave for this entry at `generation` (replacing the entry's earlier one). */
  remember(entryKey: string, uid: string, generation: number, judge: object, verdict: Verdict): void {
    if (!this.holds(entryKey, uid)) return;
    this.held.set(entryKey, { uid, generation, judge, schema: verdict.schema, dataHash: verdict.dataHash, pruned: verdict.pruned });
  }

  /** The entry left the informer's cache. */
  forget(entryKey: string): void {
    this.held.delete(entryKey);
  }
}
