/**
 * The fast path of an entry's policy: a third match condition, `some-check-fails`, that holds unless
 * every check of the policy holds. A valid entry then costs the apiserver one expression in the match
 * pass, and no validation pass and no message pass; an entry with a failing check matches and gets
 * today's validations and messages, unchanged. Why: the policy's cost is CEL evaluation of its checks
 * (profiled; docs/design-notes.md, "Admission policies generated from schemas"), and each validation
 * costs its evaluation set-up besides; issue 9 allows the policy 10 % of a create.
 *
 * Guarantees: with the condition, the policy's decision is the one it gives without it, for every
 * object, modulo cost-limit denials of the validation and message passes (without the condition, a
 * pass out of its budget, validator.go, denies even a valid object, which the fast path admits):
 * - the condition is `names-schema-version && !(c1 && ... && cn)` over the very checks of the
 *   validations (generated with the data read through a comprehension variable instead of policy
 *   variables, which match conditions cannot read), so it is false, and the policy does not apply,
 *   exactly when every validation would hold;
 * - when a check fails, the conjunction is false whatever the others do (CEL's && is false when any
 *   term is false, even if another errs), so the policy matches and its validations decide;
 * - when no check fails but one errs, the condition errs, and the apiserver denies (failurePolicy
 *   Fail) as the erring validation would have; only the text differs (the matcher's error names the
 *   match condition's expression where the validation's named its own);
 * - it can never err on cost: it is only generated when fastPathCostBound (fast-path-cost.ts) bounds
 *   what the apiserver can charge for it, for data of any size, at or under FAST_PATH_COST_LIMIT, a
 *   quarter of the per-expression limit (1,000,000) and a tenth of the match conditions' budget
 *   (2,500,000); otherwise (lists, maps, formats, ...) there is no fast path and the policy is as
 *   before;
 * - the apiserver evaluates every match condition of every policy matching the resource (the
 *   matcher looks at the results afterwards), so the condition starts with the schema-version test:
 *   an entry of another schema pays a string comparison, not the checks.
 * Assumptions: not for deprecated versions (their policy's first validation is a warning every
 * request must get) nor bundle members (their checks are quantified over members); the caller does
 * not ask.
 */
import { and, embeddable } from './cel.ts';
import { nodeChecks } from './checks.ts';
import { fastPathCostBound } from './fast-path-cost.ts';
import type { SchemaNode } from './schema-node.ts';
import { fieldValue } from './sites.ts';
import { fieldsReadFromSelf, Untranslatable, viewOf } from './view.ts';

export const FAST_PATH_CONDITION = 'some-check-fails';
/** The most the condition may cost by fastPathCostBound (cost units of the apiserver's CEL). */
export const FAST_PATH_COST_LIMIT = 250_000;

/** The match condition, or undefined when its cost cannot be bounded within the limit. */
export function fastPathCondition(root: SchemaNode, namesVersion: string, maxChars: number): { name: string; expression: string } | undefined {
  let all: string | undefined;
  try {
    all = allHold(root, 'data', 0, true);
  } catch (error) {
    if (error instanceof Untranslatable) return undefined; // the policy itself is refused
    throw error;
  }
  if (all === undefined) return undefined;
  const expression = `${namesVersion} && ![dyn(object.spec.data)].all(data, ${all})`;
  if (expression.length > maxChars) return undefined;
  const bound = fastPathCostBound(root, expression);
  return bound !== undefined && bound <= FAST_PATH_COST_LIMIT ? { name: FAST_PATH_CONDITION, expression } : undefined;
}

/**
 * CEL that is true only when every check of the node's validations holds for the present, non-null
 * value x, and, inside the same && chain, those of its properties (each read once, into a
 * comprehension variable, through sites.ts's fieldValue, the validations' own reader) and then its
 * rules (on the view validations.ts builds): a rule runs after every check of the values it can read.
 * Undefined for a list or map node (not generated: their checks iterate the data).
 * Must mirror validationsOf's `visit` (validations.ts), which this re-derives rather than shares:
 * every node it visits through fields, its nodeChecks, and each rule on the view ruleValidation
 * builds, run only on a value of the node's type (here: the type check is the first term of the
 * node's own && chain, and CEL's && does not run the rule once it is false) and only after the
 * checks (validations put every schema check before every rule; here a node's rules follow its own
 * checks and all of its properties'). A change to what `visit` checks, guards or orders must be
 * made here too.
 */
function allHold(node: SchemaNode, x: string, depth: number, root: boolean): string | undefined {
  if (node.items !== undefined || node.additionalProperties !== undefined) return undefined;
  const terms = nodeChecks(node, x, root).map((c) => c.holds);
  const properties: string[] = [];
  const f = `f${depth}`;
  for (const [name, property] of node.properties) {
    const inner = allHold(property, f, depth + 1, false);
    if (inner === undefined) return undefined;
    if (inner !== 'true') properties.push(`[${fieldValue(property, x, name)}].all(${f}, ${f} == null || (${inner}))`);
  }
  // Properties are read only from an object (a typed object's type check is the chain's first term).
  if (properties.length > 0) terms.push(node.type === 'object' ? and(properties) : `!(type(${x}) == map) || (${and(properties)})`);
  for (const rule of node.rules) terms.push(`[${viewOf(node, x, 0, fieldsReadFromSelf([rule.rule, rule.messageExpression ?? '']))}].all(self, ${embeddable(rule.rule)})`);
  return and(terms);
}
