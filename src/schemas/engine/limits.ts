/**
 * Limits on an untrusted schema, checked before the engine sees it: a tenant's schema must not make
 * the operator spend unbounded memory or time compiling it. CEL cost is bounded by the engine itself,
 * as the apiserver bounds it (estimated cost per rule and per CRD at compile, a budget per call).
 */

/** The largest schema accepted, as JSON bytes: far above any hand-written schema, far below etcd's 1.5 MiB. */
export const MAX_SCHEMA_BYTES = 256 * 1024;
/** The deepest JSON nesting accepted in a schema (a property nests two levels: properties, name). */
export const MAX_SCHEMA_DEPTH = 64;

function depthOf(value: unknown, limit: number): number {
  // Iterative so a hostile nesting cannot overflow the stack; stops counting past the limit.
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** The problem with the schema's size or depth, or undefined when it is within the limits. */
export function schemaLimitProblem(schemaJson: string, schema: unknown): string | undefined {
  const bytes = Buffer.byteLength(schemaJson, 'utf8');
  if (bytes > MAX_SCHEMA_BYTES) return `is ${bytes} bytes as JSON, more than the limit of ${MAX_SCHEMA_BYTES} bytes`;
  if (depthOf(schema, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH) return `nests deeper than ${MAX_SCHEMA_DEPTH} levels`;
  return undefined;
}
