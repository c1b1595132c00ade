/**
 * An upper bound of the runtime CEL cost the apiserver can charge for the fast-path match condition
 * (fast-path.ts) of a schema, for every value admission can see, by the apiserver's own cost rules
 * (cel-go interpreter/runtimecost.go, as k8s.io/apiserver v0.37.2 uses it): an attribute or select
 * costs 1, a list literal 10, a map literal 30, a call 1, except string comparisons (ceil(0.1 x the
 * shorter length)), `in` (the list's or map's size) and `matches` (ceil(0.1 x (1 + the string's
 * length)) x ceil(0.25 x the pattern's length)).
 *
 * Guarantees: `fastPathCostBound(root, expression)` is undefined unless the expression is the
 * conjunction of the schema's checks (validations.ts) at sites reached through fields only, and then
 * it is at least what the apiserver charges for evaluating it, whatever the data (any size, any
 * shape, undeclared fields included):
 * - every node of the expression is evaluated at most once: its only comprehensions run over a
 *   one-element list literal (`[value].all(f, ...)`, a rule's `[view].all(self, rule)`), so the
 *   tokens bound the evaluations (cel-tokens.ts) and each costs at most 40 (a struct literal, the
 *   dearest constant cost), apart from the length-dependent costs added per check below; the tokens
 *   are CEL's own (comments skipped, every literal form read as cel-go reads it, anything else
 *   refused), so no call or comprehension hides from callsOnlyConstantCost;
 * - a length-dependent check runs only on a string already known to be within its maxLength: the
 *   checks of a node are one `&&` chain in which maxLength comes before pattern (checks.ts), and CEL's
 *   `&&` does not evaluate its right side once the left is false; a pattern on a string without
 *   maxLength has no bound;
 * - a rule runs only after every schema check held (rules come after all schema checks in the
 *   conjunction), on a view of scalars and objects only, and calls only functions of constant cost
 *   (ALLOWED_CALLS); every string it can build is at most its token count times the longest string
 *   it can read or write, which bounds each comparison.
 * No bound (undefined) for lists and maps (their checks iterate the data), `format`, min/maxProperties
 * over undeclared fields, a rule reading a string without maxLength or a preserve-unknown value, or a
 * rule calling anything else. Conservative by design: the bound is far above the real cost.
 */
import { nodeBound, type Token, tokenize } from './cel-tokens.ts';
import type { Rule, SchemaNode } from './schema-node.ts';
import { fieldsReadFromSelf } from './view.ts';

/** The dearest constant cost of one evaluation step (common.StructCreateBaseCost). */
const STEP_COST = 40;
/** Functions and methods of constant cost, whatever their operands' sizes. */
const ALLOWED_CALLS = new Set(['has', 'size', 'int', 'uint', 'double', 'string', 'bool', 'dyn', 'type', 'orValue', 'hasValue', 'value']);
/** Identifiers that are neither calls nor fields. */
const ALLOWED_NAMES = new Set(['self', 'true', 'false', 'null', 'in', 'int', 'uint', 'double', 'string', 'bool', 'list', 'map', 'null_type']);
/** Longest string a number or boolean converts to (string(x)). */
const SCALAR_TEXT = 32;

export function fastPathCostBound(root: SchemaNode, expression: string): number | undefined {
  const tokens = tokenize(expression);
  const checks = checkCost(root);
  if (tokens === undefined || checks === undefined) return undefined;
  return STEP_COST * nodeBound(tokens) + checks;
}

/** Length- and size-dependent costs of the node's checks and rules, and those below it. */
function checkCost(node: SchemaNode, maxLength?: number): number | undefined {
  if (node.items !== undefined || node.additionalProperties !== undefined || node.format !== undefined) return undefined;
  if (node.preserveUnknown && (node.minProperties !== undefined || node.maxProperties !== undefined)) return undefined;
  const length = minDefined(maxLength, node.maxLength);
  let cost = node.enum?.length ?? 0;
  if (node.pattern !== undefined) {
    if (length === undefined) return undefined;
    cost += Math.ceil(0.1 * (1 + length)) * Math.ceil(0.25 * [...node.pattern].length);
  }
  for (const branch of [...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.not === undefined ? [] : [node.not])]) {
    const c = checkCost(branch, length);
    if (c === undefined) return undefined;
    cost += c;
  }
  for (const rule of node.rules) {
    const c = ruleCost(node, rule);
    if (c === undefined) return undefined;
    cost += c;
  }
  for (const property of node.properties.values()) {
    const c = checkCost(property);
    if (c === undefined) return undefined;
    cost += c;
  }
  return cost;
}

/** The length-dependent part of a rule's cost (its constant part is in the expression's tokens). */
function ruleCost(node: SchemaNode, rule: Rule): number | undefined {
  const tokens = tokenize(rule.rule);
  if (tokens === undefined || !callsOnlyConstantCost(tokens)) return undefined;
  const read = fieldsReadFromSelf([rule.rule, rule.messageExpression ?? '']);
  // A rule on a scalar sees the value itself (`self.size()` selects nothing); on an object, the
  // properties it selects (view.ts refuses a selection of anything else).
  const viewed = node.type !== 'object' || read === 'all' ? [node] : [...read].map((name) => node.properties.get(name)).filter((n) => n !== undefined);
  const longest = viewed.map(longestString);
  if (longest.some((l) => l === undefined)) return undefined;
  const literal = Math.max(0, ...tokens.map((t) => (t.kind === 'string' ? t.chars : 0)));
  const string = tokens.length * Math.max(SCALAR_TEXT, literal, ...(longest as number[]));
  // Per evaluation step: a comparison of two such strings, or `in` over a literal or the view.
  const perStep = Math.ceil(0.1 * string) + tokens.length + viewed.map(countNodes).reduce((a, b) => a + b, 0);
  return nodeBound(tokens) * perStep;
}

/** No call but those of ALLOWED_CALLS; names are fields, `self`, literals or `in`. */
function callsOnlyConstantCost(tokens: readonly Token[]): boolean {
  return tokens.every((t, i) => {
    if (t.kind !== 'identifier') return true;
    const next = tokens[i + 1];
    const called = next?.kind === 'operator' && next.text === '(';
    const selected = tokens[i - 1]?.kind === 'operator' && ((tokens[i - 1] as Token & { text: string }).text === '.' || (tokens[i - 1] as Token & { text: string }).text === '?');
    if (called) return ALLOWED_CALLS.has(t.text);
    return selected || ALLOWED_NAMES.has(t.text);
  });
}

/** The longest string a view of the node can hold, or undefined when it is unbounded. */
function longestString(node: SchemaNode): number | undefined {
  if (node.intOrString || node.type === 'string') return node.maxLength;
  if (node.type === 'integer' || node.type === 'number' || node.type === 'boolean') return SCALAR_TEXT;
  if (node.type !== 'object' || node.preserveUnknown || node.additionalProperties !== undefined) return undefined;
  let longest = SCALAR_TEXT;
  for (const property of node.properties.values()) {
    const l = longestString(property);
    if (l === undefined) return undefined;
    longest = Math.max(longest, l);
  }
  return longest;
}

function countNodes(node: SchemaNode): number {
  return 1 + [...node.properties.values()].map(countNodes).reduce((a, b) => a + b, 0);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
