/**
 * What an embedded schema is: an id, a description, the zod schema, and one valid example.
 * Each schema lives in its own file and is listed once in ./index.ts.
 */
import type { z } from 'zod';

export interface SchemaDefinition {
  /** `name@vN`; a new incompatible version is a new file with a new id, never an edit. */
  readonly id: string;
  /** One sentence for people: shown by `schemas:export` and in docs. */
  readonly description: string;
  /** Validates spec.data and applies defaults; its output is what Cairn stores. */
  readonly schema: z.ZodType;
  /** A valid payload: exercised by the unit tests and usable as a sample. */
  readonly example: Readonly<Record<string, unknown>>;
  /** Set on a version kept for existing entries only: every apply of an entry naming it gets this Warning. */
  readonly deprecationWarning?: string;
  /**
   * Set when the zod schema has no exact structural form, so the schema engine cannot judge it: zod
   * stays its judge at commit, and the schema listed and published for it (the ConfigSchema version)
   * leaves the values of `untypedMap` without a type and drops the rules that read them, so it is
   * looser than zod. Only for a deprecated version (a new one must be structural).
   */
  readonly notStructural?: { readonly reason: string; readonly untypedMap: string };
}

/**
 * A cross-field rule stated twice, on purpose: as a TypeScript predicate (checked by zod at commit and
 * read) and as the equivalent CEL expression over `self` (carried into the exported JSON Schema as
 * `x-kubernetes-validations`, for the admission policy generated later). Keep the two in step.
 */
export interface CrossFieldRule<T> {
  /**
   * True when the value is acceptable. Runs after the fields parsed to their types (zod 4 skips
   * refinements after a type error, not after a range error), so it must not assume ranges hold.
   */
  readonly check: (value: T) => boolean;
  /** What a person reads, after the path: `data.pool.min: must not exceed pool.max`. */
  readonly message: string;
  /** Where the problem is reported, relative to the object the rule is attached to. */
  readonly path: readonly (string | number)[];
  /** The same rule in CEL; must tolerate absent optional/defaulted fields (admission sees raw input). */
  readonly cel: string;
}

/** The rule's `fieldPath` (`.min`), so the apiserver's message names the field as zod's does; none for the object itself. */
function fieldPathOf(path: readonly (string | number)[]): { fieldPath?: string } {
  if (path.length === 0) return {};
  if (!path.every((p) => typeof p === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) throw new Error(`a rule's path must be field names, got ${JSON.stringify(path)}`);
  return { fieldPath: path.map((p) => `.${String(p)}`).join('') };
}

/** Attaches cross-field rules to an object schema: zod refinements plus their CEL twins as metadata. */
export function withRules<S extends z.ZodType>(schema: S, rules: readonly CrossFieldRule<z.output<S>>[]): S {
  let refined = schema;
  for (const rule of rules) {
    refined = refined.refine(rule.check, { message: rule.message, path: [...rule.path] }) as S;
  }
  const existing = (schema.meta() ?? {}) as Record<string, unknown>;
  return refined.meta({
    ...existing,
    'x-kubernetes-validations': rules.map((r) => ({ rule: r.cel, message: r.message, ...fieldPathOf(r.path) })),
  }) as S;
}
