/**
 * The differential test's vocabulary. A judge gives a verdict on a value of a corpus schema; the
 * first judge (the oracle: the real apiserver) is the reference, and every other judge is compared
 * with it on the aspects it claims. Adding a judge (admission, offline) is one object implementing
 * Judge and one line in the list the runner gets.
 */

export type JsonSchema = Record<string, unknown>;

/** One schema of the corpus: `schema` is the schema of an entry's spec.data. */
export interface CorpusSchema {
  readonly name: string;
  readonly description: string;
  readonly schema: JsonSchema;
}

/** What a judge says of one value. Messages and warnings are compared as sorted lists. */
export type Verdict =
  | { readonly ok: true; readonly value: unknown; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly messages: readonly string[] };

/**
 * What a judge is compared on: the verdict always; the defaulted value, the apiserver's messages and
 * its unknown-field warnings only when it claims them (an admission policy, say, has messages of its
 * own, and a policy cannot default).
 */
export type Aspect = 'value' | 'messages' | 'warnings';

/** What a judge says of a schema: ready, or refused with messages rooted at `openAPIV3Schema`. */
export type SchemaVerdict = { readonly ok: true } | { readonly ok: false; readonly messages: readonly string[] };

export interface Judge {
  readonly name: string;
  readonly aspects: ReadonlySet<Aspect>;
  /**
   * A judge that declines schemas by design (admission: what it cannot translate exactly, it relies on
   * the engine for the schema's own validity): its schema verdicts are not compared; where it refuses
   * a schema it abstains on that schema's values, and the report lists it.
   */
  readonly declines?: boolean;
  /** Makes the schema ready (a CRD, a compiled schema, a policy), or says why it refuses it. */
  prepare(schema: CorpusSchema): Promise<SchemaVerdict>;
  judge(schema: CorpusSchema, value: unknown): Promise<Verdict>;
  close(): Promise<void>;
}

/** Keys sorted at every level: value equality that ignores the order of object keys only. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Where two schema verdicts differ (acceptance always; messages when `other` claims them). */
export function schemaDifferences(reference: SchemaVerdict, other: SchemaVerdict, aspects: ReadonlySet<Aspect>): string[] {
  if (reference.ok !== other.ok) return [`schema: ${reference.ok ? 'accepted' : 'refused'} vs ${other.ok ? 'accepted' : 'refused'}`];
  if (reference.ok || other.ok || !aspects.has('messages')) return [];
  const a = canonical([...reference.messages].sort());
  const b = canonical([...other.messages].sort());
  return a === b ? [] : [`schema messages: ${a} vs ${b}`];
}

/** Where two verdicts differ, in words; empty when they agree on every aspect `other` claims. */
export function differences(reference: Verdict, other: Verdict, aspects: ReadonlySet<Aspect>): string[] {
  if (reference.ok !== other.ok) return [`verdict: ${reference.ok ? 'accepted' : 'refused'} vs ${other.ok ? 'accepted' : 'refused'}`];
  const found: string[] = [];
  if (reference.ok && other.ok) {
    if (aspects.has('value') && canonical(reference.value) !== canonical(other.value)) found.push(`value: ${canonical(reference.value)} vs ${canonical(other.value)}`);
    if (aspects.has('warnings') && canonical([...reference.warnings].sort()) !== canonical([...other.warnings].sort())) {
      found.push(`warnings: ${canonical(reference.warnings)} vs ${canonical(other.warnings)}`);
    }
  }
  if (!reference.ok && !other.ok && aspects.has('messages')) {
    const a = [...reference.messages].sort();
    const b = [...other.messages].sort();
    if (canonical(a) !== canonical(b)) found.push(`messages: ${canonical(a)} vs ${canonical(b)}`);
  }
  return found;
}
