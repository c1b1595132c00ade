/**
 * What one chaos run records, as plain data: the checker (checker.ts) reads nothing else. Four
 * witnesses, none of them the operator's own state: the workload driver (what it asked for and what
 * it expects, computed independently in expected.ts), the apiserver (every status seen on a watch),
 * etcd (every change under the prefix, replayed from the run's first revision) and a reader (what a
 * plain etcd watcher of the members' keys saw live, while the faults struck).
 */

/** One generation of one ConfigEntry, as the driver wrote it through the apiserver. */
export interface GenerationWritten {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  /** The absolute data key the entry names (`P/data/<namespace>/<key>`). */
  readonly dataKey: string;
  /** False for data the schema rejects or a schema that does not exist: "never in etcd". */
  readonly valid: boolean;
  /** The expected canonical JSON (defaults applied); for an invalid generation, its data as canonical JSON. */
  readonly canonical: string;
  /** `sha256:<hex>` of `canonical`. */
  readonly hash: string;
  readonly at: number;
}

/** One member of a bundle generation: its key and the value expected there (as for an entry). */
export interface BundleMemberWritten {
  /** The absolute data key (`P/data/<namespace>/<key>`). */
  readonly dataKey: string;
  readonly valid: boolean;
  readonly canonical: string;
  readonly hash: string;
}

/** One generation of one ConfigBundle, as the driver wrote it through the apiserver. */
export interface BundleGenerationWritten {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly deletionPolicy: 'Delete' | 'Retain';
  /** False when any member is invalid: then nothing of this generation may reach etcd. */
  readonly valid: boolean;
  /** In spec order. */
  readonly members: readonly BundleMemberWritten[];
  readonly at: number;
}

/** One status the apiserver served on the driver's watch of ConfigBundles. */
export interface BundleStatusSeen extends ConditionsSeen {
  /** status.members: the committed members, in spec order. */
  readonly members: readonly { readonly key: string; readonly dataHash: string }[] | undefined;
}

/**
 * What the live reader saw: a change of a data/ or meta/ key with the revision the watch gave it, or
 * (after its watch was cancelled, e.g. compacted past) a fresh range read at one revision.
 */
export type ReaderObservation =
  | { readonly kind: 'change'; readonly change: EtcdChange }
  | { readonly kind: 'snapshot'; readonly revision: number; readonly keys: readonly { readonly key: string; readonly value: string; readonly modRevision: number }[] };

/** The driver asked the apiserver to delete an entry or a bundle. */
export interface DeletionRequested {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly at: number;
}

/** What an entry's and a bundle's status both say, as the apiserver served it on the driver's watch. */
export interface ConditionsSeen {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation of the object that carried this status. */
  readonly generation: number;
  readonly observedGeneration: number | undefined;
  readonly ready: string | undefined;
  readonly reason: string | undefined;
  readonly stalled: boolean;
  readonly revision: number | undefined;
  readonly at: number;
}

/** One status the apiserver served on the driver's watch of ConfigEntries. */
export interface StatusSeen extends ConditionsSeen {
  readonly key: string | undefined;
  readonly dataHash: string | undefined;
}

/** One change under the prefix, from a watch replayed from the run's first revision. */
export interface EtcdChange {
  readonly revision: number;
  readonly key: string;
  readonly type: 'put' | 'delete';
  readonly value?: string;
}

/** A value the driver put on a data key behind Cairn's back (no meta), at `revision`. */
export interface DriftEdit {
  readonly key: string;
  readonly value: string;
  readonly revision: number;
}

/** What one operator process said it committed (its log), to attribute writes to replicas. */
export interface ReplicaClaims {
  /** The identity this process wrote into the fence (unique per process). */
  readonly identity: string;
  /** Revisions of its successful commits. */
  readonly commits: readonly number[];
}

/** The state once faults stopped and the system settled (or the wait for it gave up). */
export interface FinalState {
  /** Every entry the apiserver still holds, with its last status. */
  readonly entries: readonly FinalEntry[];
  /** Every bundle the apiserver still holds, with its last status. */
  readonly bundles: readonly FinalBundle[];
  /** Every key under the prefix's data/, meta/ and bundles/ (linearizable range reads), key -> value. */
  readonly etcd: Readonly<Record<string, string>>;
  /** Pids started by the run that were still alive after it stopped everything. */
  readonly leakedPids: readonly number[];
}

export interface FinalBundle {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly deleting: boolean;
  readonly status: BundleStatusSeen | undefined;
}

export interface FinalEntry {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly deleting: boolean;
  readonly status: StatusSeen | undefined;
}

export interface History {
  readonly prefix: string;
  readonly generations: readonly GenerationWritten[];
  readonly deletions: readonly DeletionRequested[];
  readonly statuses: readonly StatusSeen[];
  readonly etcd: readonly EtcdChange[];
  readonly driftEdits: readonly DriftEdit[];
  readonly replicas: readonly ReplicaClaims[];
  readonly bundleGenerations: readonly BundleGenerationWritten[];
  readonly bundleStatuses: readonly BundleStatusSeen[];
  readonly reader: readonly ReaderObservation[];
  readonly final: FinalState | undefined;
}
