/**
 * Policy variables for the values the generated checks read more than once.
 *
 * A defaulted field (`has(x.f) && x.f != null ? x.f : dyn(default)`) is read by every check of its
 * node and by every check below it, and the expression grows with each level of defaults it is nested
 * in: written inline, database@v1's policy evaluated the same defaulted object dozens of times. The
 * apiserver evaluates a policy variable lazily, once per evaluation pass (validations, then message
 * expressions), and caches it, so binding each such value once costs one evaluation per pass.
 *
 * Guarantees: `bind` returns `variables.<name>` for an expression, the same name for the same text,
 * names in order of first use (deterministic for a deterministic caller); a variable refers only to
 * variables bound before it (the apiserver compiles them in order). Bindings made `inline` (for data
 * read through a comprehension variable, e.g. each member of a bundle) bind nothing: `bind` returns
 * the expression itself, which callers write as an operand as they would `variables.<name>`.
 * Assumptions: a bound expression uses no comprehension variable (it is evaluated outside any macro).
 */
export interface PolicyVariable {
  readonly name: string;
  readonly expression: string;
}

export class Bindings {
  private readonly names = new Map<string, string>();
  private readonly bound: PolicyVariable[] = [];
  private readonly inline: boolean;

  constructor(options: { readonly inline?: boolean } = {}) {
    this.inline = options.inline ?? false;
  }

  /** `variables.<name>` holding `expression` (the expression itself when inline). */
  bind(expression: string): string {
    if (this.inline) return expression;
    let name = this.names.get(expression);
    if (name === undefined) {
      name = `v${this.bound.length}`;
      this.names.set(expression, name);
      this.bound.push({ name, expression });
    }
    return `variables.${name}`;
  }

  get variables(): readonly PolicyVariable[] {
    return this.bound;
  }
}
