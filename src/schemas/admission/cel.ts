/**
 * CEL text building blocks for the generated policy: literals, field access on dynamic maps, and
 * the identifier rules Kubernetes applies to property names in CEL.
 *
 * Guarantees: every function returns CEL source that parses on its own (parenthesised where it is
 * an operand); string literals are JSON-escaped, which is a subset of CEL's escapes.
 */

/** CEL keywords and reserved words (cel-spec "Syntax"): never usable as `x.name`. */
const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** True when `name` can be written as `x.name` in CEL without escaping. */
export function isPlainIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name);
}

/**
 * A schema author's expression (a rule or a messageExpression), ready to be placed inside generated
 * text: one that may end in a `//` comment gets a newline, so the comment cannot swallow what the
 * generator writes after it (a closing parenthesis). A `//` inside a string literal gets the same
 * harmless newline.
 */
export function embeddable(expression: string): string {
  return expression.includes('//') ? `${expression}\n` : expression;
}

/** A CEL string literal holding `text` exactly. */
export function stringLiteral(text: string): string {
  return JSON.stringify(text);
}

/** A CEL literal for a JSON value; `doubles` writes numbers as doubles (schema type `number`). */
export function jsonLiteral(value: unknown, doubles = false): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return stringLiteral(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return numberLiteral(value, doubles || !Number.isInteger(value));
  if (Array.isArray(value)) return `[${value.map((v) => jsonLiteral(v)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${stringLiteral(k)}: ${jsonLiteral(v)}`);
    return `{${entries.join(', ')}}`;
  }
  throw new TypeError(`not a JSON value: ${String(value)}`);
}

/**
 * A CEL literal for a JSON value whose list items and map values are each wrapped in dyn(): the
 * admission environment type-checks aggregate literals as homogeneous, and JSON is not.
 */
export function dynLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => `dyn(${dynLiteral(v)})`).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${stringLiteral(k)}: dyn(${dynLiteral(v)})`).join(', ')}}`;
  }
  return jsonLiteral(value);
}

/** A CEL number literal: an int, or a double (always with a fraction or exponent). */
export function numberLiteral(value: number, double: boolean): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  if (!double) return String(value);
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** `x.name`, or `x["name"]` when the name is not a plain identifier. */
export function select(x: string, name: string): string {
  return isPlainIdentifier(name) ? `${x}.${name}` : `${x}[${stringLiteral(name)}]`;
}

/** `has(x.name)`, or `"name" in x` when the name is not a plain identifier. */
export function hasField(x: string, name: string): string {
  return isPlainIdentifier(name) ? `has(${x}.${name})` : `(${stringLiteral(name)} in ${x})`;
}

/** Conjunction of CEL boolean terms; `true` when there are none. */
export function and(terms: readonly string[]): string {
  if (terms.length === 0) return 'true';
  return terms.length === 1 ? (terms[0] as string) : terms.map((t) => `(${t})`).join(' && ');
}

/** Disjunction of CEL boolean terms; `false` when there are none. */
export function or(terms: readonly string[]): string {
  if (terms.length === 0) return 'false';
  return terms.length === 1 ? (terms[0] as string) : terms.map((t) => `(${t})`).join(' || ');
}
