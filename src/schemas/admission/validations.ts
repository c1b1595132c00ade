/**
 * From a schema tree to the policy's validations, each naming the failing field
 * (`spec.data.routes[2].burst: should be ...`):
 * - at a node reached through fields only (one value), one validation per required property, one for
 *   its other schema checks and one per CEL rule, each with a static message (a rule's
 *   messageExpression is kept);
 * - at a node inside a list or map (one value per item), one validation for all of the node's checks,
 *   and one per rule, quantified over every value, with a message expression naming the first
 *   failing index or key. These are `joinable` (see joinValidations).
 *
 * Why static messages where they can be: the apiserver evaluates every messageExpression of a policy
 * on every request it matches, valid or not (validating/validator.go runs the message filter before it
 * looks at the verdicts), so a message expression that finds the failing check costs as much as the
 * check itself, on the valid requests too.
 *
 * Guarantees: schema-check validations come before rule validations (the apiserver reports the first
 * denial: a type or range problem is named before a rule that reads the same field); a check that
 * assumes the node's type holds when the value has another type (the type check denies it, once); an
 * untranslatable rule is a Problem naming its schema path, never an approximation.
 */
import { Bindings, type PolicyVariable } from './bindings.ts';
import { and, embeddable, stringLiteral } from './cel.ts';
import { type Check, nodeChecks, typeCheck } from './checks.ts';
import type { Problem, Rule, SchemaNode } from './schema-node.ts';
import { child, type DataRoot, ENTRY_DATA, failingPath, forEvery, isSingleValued, type Reach, ROOT_SITE, type Site } from './sites.ts';
import { fieldsReadFromSelf, Untranslatable, viewOf } from './view.ts';

export interface Validation {
  readonly expression: string;
  readonly message: string;
  readonly messageExpression?: string;
  readonly reason: 'Invalid';
  /** Quantified over list items or map values, with a message expression: may be joined with others. */
  readonly joinable?: boolean;
}

/** Where the checks read the data, and the bindings they share. */
interface Reached extends Reach {
  readonly bindings: Bindings;
}

/** Identifiers of the admission environment that a CRD rule cannot mean (they are not declared there). */
const ADMISSION_ONLY = /\b(object|oldObject|request|params|namespaceObject|authorizer|variables)\b/;

/**
 * The validations of the data at `data` (an entry's spec.data unless told), the policy variables they
 * read (in order: each may read those before it), and problems.
 */
export function validationsOf(root: SchemaNode, data: DataRoot = ENTRY_DATA): { validations: Validation[]; variables: readonly PolicyVariable[]; problems: Problem[] } {
  const reach: Reached = { root: data, bindings: new Bindings({ inline: !data.bindable }) };
  const schemaChecks: Validation[] = [];
  const rules: Validation[] = [];
  const problems: Problem[] = [];
  const visit = (node: SchemaNode, site: Site): void => {
    const checks = nodeChecks(node, '_', site === ROOT_SITE);
    if (checks.length > 0) schemaChecks.push(...(isSingleValued(site) ? checkValidations(node, site, reach) : [checkValidation(node, site, reach)]));
    for (const rule of node.rules) {
      try {
        rules.push(ruleValidation(node, site, rule, reach));
      } catch (error) {
        if (!(error instanceof Untranslatable)) throw error;
        problems.push({ path: rule.path, message: `${error.message} (at ${error.path})` });
      }
    }
    for (const [name, property] of node.properties) visit(property, child(site, { kind: 'field', name }, property));
    if (node.additionalProperties !== undefined) visit(node.additionalProperties, child(site, { kind: 'value' }, node.additionalProperties));
    if (node.items !== undefined) visit(node.items, child(site, { kind: 'item' }, node.items));
  };
  visit(root, ROOT_SITE);
  // Joinable ones last in each group, so that they form one run (joinValidations).
  const inOrder = (vs: Validation[]): Validation[] => [...vs.filter((v) => !v.joinable), ...vs.filter((v) => v.joinable)];
  return { validations: [...inOrder(schemaChecks), ...inOrder(rules)], variables: reach.bindings.variables, problems };
}

/**
 * Consecutive joinable validations joined into as few as possible (each expression at most
 * `maxChars`); the others are kept as they are. A joined message expression is one message filter
 * evaluation instead of one per validation, each of which re-evaluates its checks to find the
 * failing index. The verdict is unchanged: CEL's && is false when any term is false, even if another
 * errs; the message is that of the first failing term.
 */
export function joinValidations(validations: readonly Validation[], maxChars: number, data: DataRoot = ENTRY_DATA): Validation[] {
  const groups: Validation[][] = [];
  let size = Infinity;
  let joining = false;
  for (const v of validations) {
    const joinable = v.joinable === true && v.messageExpression !== undefined;
    if (!joinable || !joining || size + v.expression.length > maxChars) {
      groups.push([]);
      size = 0;
    }
    joining = joinable;
    (groups[groups.length - 1] as Validation[]).push(v);
    size += v.expression.length;
  }
  return groups.map((group) => {
    if (group.length === 1) return group[0] as Validation;
    const last = group[group.length - 1] as Validation;
    return {
      expression: group.map((v) => `(${v.expression})`).join(' && '),
      messageExpression: group.slice(0, -1).reduceRight((otherwise, v) => `(!(${v.expression}) ? (${v.messageExpression}) : ${otherwise})`, `(${last.messageExpression})`),
      message: `${data.path}: is invalid`,
      reason: 'Invalid',
      joinable: true,
    };
  });
}

/**
 * The validations of a single-valued node: one per required property (`spec.data.a.b: Required
 * value`), and one for all its other checks, whose static message lists them after the field path
 * (`spec.data.port: must be of type integer; should be less than or equal to 65535`). One per check
 * would repeat the node's guards in each, which costs more than it saves (measured).
 */
function checkValidations(node: SchemaNode, site: Site, reach: Reached): Validation[] {
  const root = site === ROOT_SITE;
  const required = (c: Check): boolean => c.suffix.endsWith(': Required value') && !c.suffix.startsWith(':');
  const type = root ? undefined : typeCheck(node, '_');
  // A required check reads the object's fields: only on a value that is an object.
  const guarded = (x: string, holds: string): string => (type === undefined ? holds : `!(${(typeCheck(node, x) as Check).holds}) || (${holds})`);
  const validations: Validation[] = [];
  nodeChecks(node, '_', root).forEach((check, k) => {
    if (!required(check)) return;
    const holds = (x: string): string => guarded(x, (nodeChecks(node, x, root)[k] as Check).holds);
    validations.push({ expression: forEvery(site, holds, reach), message: `${staticPath(site, reach.root)}${check.suffix}`, reason: 'Invalid' });
  });
  const others = nodeChecks(node, '_', root).filter((c) => !required(c));
  if (others.length > 0) {
    const holds = (x: string): string => and(nodeChecks(node, x, root).filter((c) => !required(c)).map((c) => c.holds));
    validations.push({ expression: forEvery(site, holds, reach), message: `${staticPath(site, reach.root)}: ${others.map((c) => c.suffix.replace(/^: /, '')).join('; ')}`, reason: 'Invalid' });
  }
  return validations;
}

function checkValidation(node: SchemaNode, site: Site, reach: Reached): Validation {
  const root = site === ROOT_SITE;
  const holds = (x: string): string => and(nodeChecks(node, x, root).map((c) => c.holds));
  const firstFailure = (x: string): string => chain(nodeChecks(node, x, root));
  return {
    expression: forEvery(site, holds, reach),
    messageExpression: failingPath(site, holds, firstFailure, reach),
    message: `${staticPath(site, reach.root)}: is invalid`,
    reason: 'Invalid',
    joinable: true,
  };
}

/** CEL string: the suffix of the first check that fails (the last one is not tested: one must fail). */
function chain(checks: readonly Check[]): string {
  const last = checks[checks.length - 1] as Check;
  return checks.slice(0, -1).reduceRight((otherwise, c) => `(!(${c.holds}) ? ${stringLiteral(c.suffix)} : ${otherwise})`, stringLiteral(last.suffix));
}

function ruleValidation(node: SchemaNode, site: Site, rule: Rule, reach: Reached): Validation {
  if (node.type === undefined && !node.intOrString) throw new Untranslatable(node.path, 'the apiserver compiles no rule on a node without a type');
  if (ADMISSION_ONLY.test(rule.rule) || (rule.messageExpression !== undefined && ADMISSION_ONLY.test(rule.messageExpression))) {
    throw new Untranslatable(node.path, 'a rule names an identifier of the admission environment (object, request, variables, ...)');
  }
  // The rule runs on values of the node's type only: a value of another type is denied by the type
  // check, and the apiserver does not run rules when a type check failed.
  const applies = (x: string, inner: string): string => {
    const type = typeCheck(node, x);
    return type === undefined ? inner : `!(${type.holds}) || (${inner})`;
  };
  const read = fieldsReadFromSelf([rule.rule, rule.messageExpression ?? '']);
  // Written inline, not as a policy variable: the rule and its message are evaluated in different
  // passes, each of which evaluates every variable it reads afresh, so a variable read once per pass
  // saves nothing and costs its declaration in every pass and a regexp unescape of its name per read.
  const view = (x: string): string => viewOf(node, x, 0, read);
  const holds = (x: string): string => applies(x, `[${view(x)}].all(self, ${embeddable(rule.rule)})`);
  const messageExpression = rule.messageExpression;
  const message = messageExpression !== undefined
    ? (x: string) => `[${view(x)}].map(self, ${embeddable(messageExpression)})[0]`
    : () => stringLiteral(rule.message ?? `failed rule: ${rule.rule}`);
  const fieldPath = rule.fieldPath ?? '';
  const expression = forEvery(site, holds, { ...reach, skipNull: true });
  const staticMessage = `${staticPath(site, reach.root)}${fieldPath}: ${rule.message ?? `failed rule: ${rule.rule}`}`;
  if (isSingleValued(site) && rule.messageExpression === undefined) return { expression, message: staticMessage, reason: 'Invalid' };
  return {
    expression,
    messageExpression: failingPath(site, holds, (x) => `${stringLiteral(`${fieldPath}: `)} + ${message(x)}`, { ...reach, skipNull: true }),
    message: staticMessage,
    reason: 'Invalid',
    joinable: !isSingleValued(site),
  };
}

/** The site's path with `[*]` for every list item or map value (for the static fallback message). */
function staticPath(site: Site, data: DataRoot): string {
  return data.path + site.steps.map((s) => (s.kind === 'field' ? `.${s.name}` : '[*]')).join('');
}
