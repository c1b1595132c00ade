/**
 * Where a schema node's values are inside `spec.data`, and the CEL that reaches every one of them.
 *
 * A Site is the chain of steps from the root (a DataRoot: an entry's `object.spec.data`, or a bundle
 * member's data) to a node: a named property, every item of a list, or every value of a map. `forEvery` quantifies a check over all the node's values
 * (`all(...)` over lists and maps); `failingPath` names the first value that fails it, for messages.
 *
 * Guarantees: a check only ever sees values the apiserver would validate at that node:
 * - where the node has a default, an absent value (and a null one, unless nullable) is replaced by
 *   it, as the apiserver defaults before it validates (it checks a default when the CRD is written
 *   only as written, not with the defaults of its own fields, so a defaulted value is checked here);
 * - otherwise a property or map value that is absent or null is skipped: the apiserver prunes a
 *   non-nullable null without default, and accepts a nullable one (its checks do not run on null);
 * - a list item that is null is skipped only when the items are nullable or defaulted; otherwise the
 *   check sees the null and its type check fails, as the apiserver's does;
 * - a container that is not a map (object) or list (array) is not entered: its own type check fails.
 * With `bindings`, a defaulted field outside any list or map (the same value for every check that
 * reads it) is a policy variable instead of its defaulting expression repeated.
 */
import type { Bindings } from './bindings.ts';
import { dynLiteral, hasField, isPlainIdentifier, select, stringLiteral } from './cel.ts';
import type { SchemaNode } from './schema-node.ts';

export type Step = { readonly kind: 'field'; readonly name: string } | { readonly kind: 'item' } | { readonly kind: 'value' };

export interface Site {
  readonly steps: readonly Step[];
  /** nodes[i] is the node step i leads to. */
  readonly nodes: readonly SchemaNode[];
}

export const ROOT_SITE: Site = { steps: [], nodes: [] };

/** The data value the checks judge: where it is in CEL and how messages name it. */
export interface DataRoot {
  /** CEL of the data object. */
  readonly expression: string;
  /** Its field path in messages (`spec.data`). */
  readonly path: string;
  /**
   * Whether values outside any list or map of the data may be policy variables: only when the
   * expression reads no comprehension variable (policy variables are evaluated outside any macro).
   */
  readonly bindable: boolean;
}

/**
 * An entry's spec.data. Read as `object.spec.data`, not through a policy variable: the apiserver
 * resolves every `variables.<name>` through a regular-expression unescape of the name (cel/lazy
 * MapValue.Find), which made reading spec.data through a variable a tenth of the policy's CPU time
 * (profiled). `dyn()`: the policy's type check (kube-controller-manager's status controller) types
 * `object` by the ConfigEntry CRD, where spec.data is an object that preserves unknown fields and
 * declares none, which CEL sees as an object type without fields: `object.spec.data.port` is
 * `undefined field 'port'` there, on every expression (checked with tools/go/kubernetes/policystatus).
 * At run time the apiserver evaluates policies untyped, so `dyn()` changes no verdict.
 */
export const ENTRY_DATA: DataRoot = { expression: 'dyn(object.spec.data)', path: 'spec.data', bindable: true };

export function child(site: Site, step: Step, node: SchemaNode): Site {
  return { steps: [...site.steps, step], nodes: [...site.nodes, node] };
}

export interface Reach {
  readonly root: DataRoot;
  /** Also skip null list items (rules do not run on null). */
  readonly skipNull?: boolean;
  readonly bindings?: Bindings;
}

/** CEL: `check(x)` holds for every value x at the site. */
export function forEvery(site: Site, check: (x: string) => string, options: Reach): string {
  return reach(options.root.expression, site, 0, check, options);
}

/** True when the site is reached through fields only: its value is one value, not one per list item or map value. */
export function isSingleValued(site: Site): boolean {
  return site.steps.every((s) => s.kind === 'field');
}

/**
 * CEL string: the field path of the first value at the site for which `check` fails, followed by
 * `tail(x)` (a CEL string expression about that value). Only meaningful when forEvery failed.
 */
export function failingPath(site: Site, check: (x: string) => string, tail: (x: string) => string, options: Reach): string {
  return path(options.root.expression, options.root.path, site, 0, check, tail, options);
}

function entered(site: Site, i: number, x: string, skipNull: boolean): string {
  const step = site.steps[i] as Step;
  const node = site.nodes[i] as SchemaNode;
  if (i < site.steps.length - 1) {
    return node.type === 'array' ? `type(${x}) == list` : `type(${x}) == map`;
  }
  if (step.kind === 'item' && !skipNull && !node.nullable && node.default === undefined) return 'true';
  return `${x} != null`;
}

/**
 * CEL of the property `name` of the object `base` as every check sees it: its default when absent (or
 * null, unless nullable), else null when absent. The one reader of a checked field: the validations
 * (boundField, defaulted) and the fast path's conjunction (fast-path.ts) both read fields through it,
 * so that the fast path checks the very values the validations check.
 */
export function fieldValue(node: SchemaNode, base: string, name: string): string {
  const raw = select(base, name);
  if (node.default !== undefined) {
    const present = node.nullable ? hasField(base, name) : `${hasField(base, name)} && ${raw} != null`;
    return `(${present} ? ${raw} : dyn(${dynLiteral(node.default)}))`;
  }
  return isPlainIdentifier(name) ? `${base}.?${name}.orValue(null)` : `(${hasField(base, name)} ? ${raw} : null)`;
}

/**
 * The value at step i given its raw expression: defaulted where the node has a default. Bound as a
 * policy variable only where checks below it read it (an intermediate step outside any macro): the
 * last step's value is read by one validation, which binds it itself (see reach).
 */
function defaulted(site: Site, i: number, raw: string, base: string, bindings: Bindings | undefined): string {
  const step = site.steps[i] as Step;
  const node = site.nodes[i] as SchemaNode;
  if (node.default === undefined) return raw;
  const value = `dyn(${dynLiteral(node.default)})`;
  if (step.kind === 'field') {
    // A field step's raw expression is always select(base, name): fieldValue reads it so.
    const expression = fieldValue(node, base, step.name);
    const outsideMacros = site.steps.slice(0, i).every((s) => s.kind === 'field');
    return bindings !== undefined && outsideMacros && i < site.steps.length - 1 ? bindings.bind(expression) : expression;
  }
  return node.nullable ? raw : `(${raw} == null ? ${value} : ${raw})`;
}

/**
 * The last step's field, read once and bound to a comprehension variable: `[value].all(fI, fI == null
 * || check(fI))`, where value is the field, null when absent, or its default. Same verdict as
 * `!has(b.f) || !(b.f != null) || check(b.f)` (the guard of a last field step is `x != null`), but the
 * field is resolved once instead of once per read: every read of `object.spec.data.a.b` walks its
 * qualifiers again, each a cost-tracked step, and that walking was most of a policy's CPU (profiled;
 * docs/design-notes.md). A comprehension variable is read from the activation, without qualifiers.
 */
function boundField(site: Site, i: number, base: string, check: (x: string) => string): string | undefined {
  const step = site.steps[i] as Step;
  if (step.kind !== 'field' || i !== site.steps.length - 1 || !isPlainIdentifier(step.name)) return undefined;
  // The last step is never bound as a policy variable (see defaulted): the field as fieldValue reads it.
  const value = fieldValue(site.nodes[i] as SchemaNode, base, step.name);
  const v = `f${i}`;
  return `[${value}].all(${v}, ${v} == null || (${check(v)}))`;
}

function reach(base: string, site: Site, i: number, check: (x: string) => string, options: Reach): string {
  if (i === site.steps.length) return check(base);
  const bound = boundField(site, i, base, check);
  if (bound !== undefined) return bound;
  const step = site.steps[i] as Step;
  const node = site.nodes[i] as SchemaNode;
  const rest = (raw: string): string => {
    const x = defaulted(site, i, raw, base, options.bindings);
    const guard = entered(site, i, x, options.skipNull ?? false);
    const inner = reach(x, site, i + 1, check, options);
    return guard === 'true' ? inner : `!(${guard}) || (${inner})`;
  };
  switch (step.kind) {
    case 'field':
      return node.default !== undefined ? rest(select(base, step.name)) : `!${hasField(base, step.name)} || ${rest(select(base, step.name))}`;
    case 'item':
      return `${base}.all(i${i}, ${rest(`i${i}`)})`;
    case 'value':
      return `${base}.all(k${i}, ${rest(`${base}[k${i}]`)})`;
  }
}

function path(base: string, prefix: string, site: Site, i: number, check: (x: string) => string, tail: (x: string) => string, options: Reach): string {
  if (i === site.steps.length) return `${stringLiteral(prefix)} + ${tail(base)}`;
  const step = site.steps[i] as Step;
  const { bindings } = options;
  const fails = (raw: string): string => {
    const x = defaulted(site, i, raw, base, bindings);
    const guard = entered(site, i, x, options.skipNull ?? false);
    const inner = reach(x, site, i + 1, check, options);
    return guard === 'true' ? `!(${inner})` : `(${guard}) && !(${inner})`;
  };
  switch (step.kind) {
    case 'field':
      return path(defaulted(site, i, select(base, step.name), base, bindings), `${prefix}.${step.name}`, site, i + 1, check, tail, options);
    case 'item': {
      const element = `${base}.filter(i${i}, ${fails(`i${i}`)})[0]`;
      const next = path(defaulted(site, i, element, base, bindings), ']', site, i + 1, check, tail, options);
      return `${stringLiteral(`${prefix}[`)} + string(${base}.indexOf(${element})) + ${next}`;
    }
    case 'value': {
      const key = `${base}.filter(k${i}, ${fails(`${base}[k${i}]`)})[0]`;
      const next = path(defaulted(site, i, `${base}[${key}]`, base, bindings), ']', site, i + 1, check, tail, options);
      return `${stringLiteral(`${prefix}[`)} + ${key} + ${next}`;
    }
  }
}
