/**
 * One verdict for unknown fields of spec.data, whatever the schema: an embedded version and the same
 * openAPIV3Schema declared by a ConfigSchema judge the same data alike, as a CRD with that schema
 * does (pruning: an undeclared field is dropped, not refused, unless the schema preserves unknown
 * fields). The registries are built as the operator and `cairn validate` build them
 * (declaredRegistry pins the embedded versions and registers declared ConfigSchemas), with the real
 * engine. The admission policy never denies an undeclared field (schemas/admission), so a refusal at
 * commit would refuse there what `kubectl apply` accepted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConfigSchema } from '../../../src/api/config-schema.ts';
import { stringify } from 'yaml';
import { declaredRegistry } from '../../../src/cli/declared-schemas.ts';
import { checkDocuments } from '../../../src/cli/validate/check-documents.ts';
import { parseDocuments } from '../../../src/cli/validate/documents.ts';
import { validateData } from '../../../src/domain/validate.ts';
import type { SchemaEngine } from '../../../src/schemas/engine/engine.ts';
import { exportOpenAPIV3Schema } from '../../../src/schemas/json-schema.ts';
import { lookupSchema } from '../../../src/schemas/index.ts';
import { loadTestEngine } from '../../support/engine.ts';

let engine: SchemaEngine;
beforeAll(async () => {
  engine = await loadTestEngine();
});

/** database@v1's own openAPIV3Schema, declared under another name. */
function declaredCopy(): ConfigSchema {
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ConfigSchema',
    metadata: { name: 'copy', uid: 'u1', generation: 1 },
    spec: { versions: [{ name: 'v1', served: true, deprecated: false, schema: { openAPIV3Schema: exportOpenAPIV3Schema('database@v1') } }] },
  } as unknown as ConfigSchema;
}

describe('unknown fields in spec.data', () => {
  it('an embedded schema prunes them as the same schema declared does: both accept, both store the value without them', () => {
    const registry = declaredRegistry(engine, [declaredCopy()]);
    const options = { maxBytes: 65536, engineSchemas: (id: string) => registry.lookup(id) };
    const example = lookupSchema('database@v1')!.example as Record<string, unknown>;
    const data = { ...example, pasword: 'typo', pool: { ...(example.pool as object), idle: 3 } };
    const embedded = validateData('database@v1', data, options);
    const declared = validateData('copy@v1', data, options);
    expect(declared).toMatchObject({ ok: true });
    expect(embedded).toMatchObject({ ok: true });
    if (!embedded.ok || !declared.ok) return;
    expect(embedded.canonical).toBe(declared.canonical);
    expect(embedded.value).not.toHaveProperty('pasword');
    expect((embedded.value as { pool: object }).pool).not.toHaveProperty('idle');
    expect(embedded.pruned).toEqual(['spec.data.pasword', 'spec.data.pool.idle']);
    expect(declared.pruned).toEqual(embedded.pruned);
  });

  it('a misspelt field is pruned and the default committed in its place, and validation names it for status and Events', () => {
    const registry = declaredRegistry(engine, []);
    const data = { host: 'db.shop.svc', database: 'checkout', user: 'app', prot: 6543 };
    const result = validateData('database@v1', data, { maxBytes: 65536, engineSchemas: (id: string) => registry.lookup(id) });
    expect(result).toMatchObject({ ok: true, pruned: ['spec.data.prot'] });
    expect(result.ok && (result.value as { port: number }).port).toBe(5432);
  });

  it('cairn validate accepts an embedded entry with one and warns that it is pruned, as for a declared one', () => {
    const example = lookupSchema('database@v1')!.example as Record<string, unknown>;
    const entry = { apiVersion: 'cairn.dev/v1alpha1', kind: 'ConfigEntry', metadata: { name: 'db', namespace: 'shop' }, spec: { schema: 'database@v1', data: { ...example, pasword: 'typo' } } };
    const [result] = checkDocuments(parseDocuments('entry.yaml', stringify(entry)), { engine, maxBytes: 65536, prefix: '/cairn' });
    expect(result).toMatchObject({ status: 'valid', problems: [] });
    expect(result?.warnings.map((w) => w.message)).toEqual(['unknown field "spec.data.pasword" (pruned: it is not stored)']);
  });

  it('cairn validate warns about each one of a bundle member too, named under the member, at its line', () => {
    const example = lookupSchema('database@v1')!.example as Record<string, unknown>;
    const bundle = {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'ConfigBundle',
      metadata: { name: 'b', namespace: 'shop' },
      spec: { members: [{ key: 'a', schema: 'database@v1', data: example }, { key: 'b', schema: 'database@v1', data: { ...example, prot: 1 } }] },
    };
    const text = stringify(bundle);
    const [result] = checkDocuments(parseDocuments('bundle.yaml', text), { engine, maxBytes: 65536, prefix: '/cairn' });
    expect(result).toMatchObject({ status: 'valid', problems: [] });
    expect(result?.warnings.map((w) => [w.field, w.message])).toEqual([['spec.members[1].data.prot', 'unknown field "spec.members[1].data.prot" (pruned: it is not stored)']]);
    expect(text.split('\n')[(result?.warnings[0]?.line ?? 0) - 1]).toContain('prot: 1');
  });
});
