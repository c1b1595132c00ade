/**
 * `kubectl explain` for a schema: `NAME@vN[.field.path]` -> the node's type, description, defaults,
 * constraints, rules, and its fields one level down. Pure: the schema is handed in.
 *
 * Paths step through object properties; a list's items and a map's values are stepped into
 * implicitly (as kubectl explain steps into a list of objects), so `routes.burst` reads the items'
 * `burst`.
 */
type Node = Record<string, unknown>;

export type FieldLookup = { readonly ok: true; readonly node: Node; readonly required: boolean } | { readonly ok: false; readonly message: string };

/** `payments@v1.limits.max` -> the id and the field path (possibly empty). */
export function splitExplainTarget(target: string): { id: string; path: string[] } {
  const [id = '', ...path] = target.split('.');
  return { id, path: path.filter((p) => p !== '') };
}

function isNode(value: unknown): value is Node {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The node's element schema when it is a list or a map (what a path steps into). */
function elementOf(node: Node): Node | undefined {
  if (isNode(node.items)) return node.items;
  if (isNode(node.additionalProperties)) return node.additionalProperties;
  return undefined;
}

function propertiesOf(node: Node): Record<string, Node> {
  return isNode(node.properties) ? (node.properties as Record<string, Node>) : {};
}

export function findField(root: Node, path: readonly string[]): FieldLookup {
  let node = root;
  let required = false;
  const walked: string[] = [];
  for (const segment of path) {
    let holder = node;
    while (!(segment in propertiesOf(holder)) && elementOf(holder) !== undefined) holder = elementOf(holder) as Node;
    const next = propertiesOf(holder)[segment];
    if (next === undefined) {
      const known = Object.keys(propertiesOf(holder));
      return { ok: false, message: `field ${JSON.stringify(segment)} does not exist${walked.length > 0 ? ` in ${walked.join('.')}` : ''}; ${known.length > 0 ? `its fields: ${known.join(', ')}` : 'it has no fields'}` };
    }
    required = Array.isArray(holder.required) && (holder.required as unknown[]).includes(segment);
    node = next;
    walked.push(segment);
  }
  return { ok: true, node, required };
}

/** kubectl's type notation: `<string>`, `<integer>`, `<[]Object>`, `<map[string]string>`, `<int-or-string>`. */
export function typeName(node: Node): string {
  if (node['x-kubernetes-int-or-string'] === true) return 'int-or-string';
  if (node.type === 'array') return `[]${isNode(node.items) ? typeName(node.items) : 'Object'}`;
  if (node.type === 'object' && isNode(node.additionalProperties)) return `map[string]${typeName(node.additionalProperties)}`;
  if (node.type === 'object') return 'Object';
  if (typeof node.type === 'string') return node.type;
  return node['x-kubernetes-preserve-unknown-fields'] === true ? 'any' : 'Object';
}

/** One line of the node's constraints and default, in the schema's own words: `default: 5432; minimum: 1; maximum: 65535`. */
export function constraintsOf(node: Node): string {
  const parts: string[] = [];
  if (node.default !== undefined) parts.push(`default: ${JSON.stringify(node.default)}`);
  if (Array.isArray(node.enum)) parts.push(`one of: ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (node.minimum !== undefined) parts.push(`${node.exclusiveMinimum === true ? 'greater than' : 'minimum'}: ${String(node.minimum)}`);
  if (node.maximum !== undefined) parts.push(`${node.exclusiveMaximum === true ? 'less than' : 'maximum'}: ${String(node.maximum)}`);
  for (const k of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf', 'format', 'pattern'] as const) {
    if (node[k] !== undefined) parts.push(`${k}: ${String(node[k])}`);
  }
  if (node.nullable === true) parts.push('nullable');
  if (typeof node['x-kubernetes-list-type'] === 'string') parts.push(`list type: ${node['x-kubernetes-list-type']}${Array.isArray(node['x-kubernetes-list-map-keys']) ? ` (keys: ${(node['x-kubernetes-list-map-keys'] as string[]).join(', ')})` : ''}`);
  return parts.join('; ');
}

function rulesOf(node: Node): string[] {
  const rules = Array.isArray(node['x-kubernetes-validations']) ? (node['x-kubernetes-validations'] as Node[]) : [];
  return rules.map((r) => `${String(r.rule)}${r.message !== undefined ? `\n        ${String(r.message)}` : r.messageExpression !== undefined ? `\n        (message) ${String(r.messageExpression)}` : ''}`);
}

function indent(text: string, spaces: number): string {
  return text.split('\n').map((l) => `${' '.repeat(spaces)}${l}`).join('\n');
}

/** The explanation as kubectl explain lays it out. */
export function formatExplain(header: { id: string; source: string; description: string }, path: readonly string[], lookup: { node: Node; required: boolean }): string {
  const { node } = lookup;
  const lines = [`SCHEMA:     ${header.id} (${header.source})`];
  if (path.length > 0) lines.push(`FIELD:      ${path[path.length - 1]} <${typeName(node)}>${lookup.required ? ' -required-' : ''}`);
  else lines.push(`TYPE:       <${typeName(node)}>`);
  const description = typeof node.description === 'string' ? node.description : path.length === 0 ? header.description : '';
  lines.push('', 'DESCRIPTION:', indent(description === '' ? '<empty>' : description, 4));
  const constraints = constraintsOf(node);
  if (constraints !== '') lines.push('', 'CONSTRAINTS:', indent(constraints, 4));
  const rules = rulesOf(node);
  if (rules.length > 0) lines.push('', 'RULES:', ...rules.map((r) => indent(`- ${r}`, 4)));
  let holder = node;
  while (Object.keys(propertiesOf(holder)).length === 0 && elementOf(holder) !== undefined) holder = elementOf(holder) as Node;
  const required = new Set(Array.isArray(holder.required) ? (holder.required as string[]) : []);
  const fields = Object.entries(propertiesOf(holder));
  if (fields.length > 0) {
    lines.push('', 'FIELDS:');
    for (const [name, child] of fields) {
      lines.push(`  ${name}\t<${typeName(child)}>${required.has(name) ? ' -required-' : ''}`);
      const about = [typeof child.description === 'string' ? child.description : '', constraintsOf(child)].filter((t) => t !== '').join('\n');
      if (about !== '') lines.push(indent(about, 4));
      lines.push('');
    }
    lines.pop();
  }
  return `${lines.join('\n')}\n`;
}
