import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { KEY_PATTERN, MAX_BUNDLE_MEMBERS, SCHEMA_ID_PATTERN } from '../../../src/api/names.ts';
import { BUNDLE_CRD_FILE, CRD_FILE, SCHEMA_CRD_FILE, buildBundleCrd, buildCrd, buildSchemaCrd, renderAllCrds, renderCrd, renderSchemaCrd } from '../../../tools/crdgen/crd.ts';
import { structuralProblems, toStructural, type SchemaNode } from '../../../tools/crdgen/structural.ts';

type Version = { subresources: unknown; additionalPrinterColumns: { name: string; jsonPath: string; priority?: number }[]; schema: { openAPIV3Schema: SchemaNode } };
const crd = buildCrd() as { spec: { versions: Version[]; names: Record<string, unknown>; scope: string } };
const version = crd.spec.versions[0] as Version;
const root = version.schema.openAPIV3Schema;
const spec = (root.properties as Record<string, SchemaNode>).spec as SchemaNode;
const specFields = spec.properties as Record<string, SchemaNode>;

function walk(node: SchemaNode, visit: (node: SchemaNode, path: string) => void, path = '$'): void {
  visit(node, path);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, SchemaNode>)) walk(child, visit, `${path}.${name}`);
  if (typeof node.items === 'object') walk(node.items as SchemaNode, visit, `${path}[]`);
}

describe('generated CRD', () => {
  it('is structural: every node has a type or preserves unknown fields, no forbidden keywords', () => {
    expect(structuralProblems(root)).toEqual([]);
    walk(root, (node, path) => {
      for (const k of ['$schema', 'anyOf', 'oneOf', 'allOf', '$ref', 'propertyNames', 'const']) expect(node[k], `${path} ${k}`).toBeUndefined();
      expect(node.additionalProperties, path).not.toBe(false);
    });
  });

  it('matches the committed file (what crdgen:check verifies)', () => {
    expect(readFileSync(new URL(`../../../${CRD_FILE}`, import.meta.url), 'utf8')).toBe(renderCrd());
  });

  it('renders deterministically and parses back to the same object', () => {
    expect(renderCrd()).toBe(renderCrd());
    expect(parse(renderCrd())).toEqual(buildCrd());
  });

  it('names the resource, with the status subresource and the printer columns', () => {
    expect(crd.spec.names).toMatchObject({ kind: 'ConfigEntry', plural: 'configentries', shortNames: ['ce'] });
    expect(crd.spec.scope).toBe('Namespaced');
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((c) => [c.name, c.jsonPath])).toEqual([
      ['Schema', '.spec.schema'],
      ['Key', '.status.key'],
      ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
      ['Reason', '.status.conditions[?(@.type=="Ready")].reason'],
      ['Revision', '.status.revision'],
      ['Age', '.metadata.creationTimestamp'],
      ['Pruned', '.status.conditions[?(@.type=="FieldsPruned")].message'],
    ]);
    // FieldsPruned's message only with `kubectl get -o wide`.
    expect(version.additionalPrinterColumns.at(-1)).toMatchObject({ priority: 1 });
  });

  it('describes every spec and status field, for kubectl explain', () => {
    for (const part of ['spec', 'status']) {
      walk((root.properties as Record<string, SchemaNode>)[part] as SchemaNode, (node, path) => {
        expect(typeof node.description, `${part}${path}`).toBe('string');
      });
    }
  });

  it('keeps data free-form and typed as an object', () => {
    expect(specFields.data).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, maxProperties: 256 });
    expect(specFields.data?.additionalProperties).toBeUndefined();
  });

  it('enumerates and defaults the policies', () => {
    expect(specFields.deletionPolicy).toMatchObject({ type: 'string', enum: ['Delete', 'Retain'], default: 'Delete' });
    expect(specFields.driftPolicy).toMatchObject({ type: 'string', enum: ['Correct', 'Report'], default: 'Correct' });
    expect(spec.required).toEqual(['schema', 'data']);
  });

  it('checks key and schema id syntax in CEL, from the same patterns as the domain', () => {
    expect(specFields.key).toMatchObject({ type: 'string', maxLength: 253 });
    expect((specFields.key?.['x-kubernetes-validations'] as { rule: string }[])[0]?.rule).toBe(`self.matches('${KEY_PATTERN}')`);
    expect((specFields.schema?.['x-kubernetes-validations'] as { rule: string }[])[0]?.rule).toBe(`self.matches('${SCHEMA_ID_PATTERN}')`);
    // Inside a single-quoted CEL literal: no quote to end it early, no backslash to be re-escaped.
    for (const pattern of [KEY_PATTERN, SCHEMA_ID_PATTERN]) expect(pattern).not.toMatch(/['\\]/);
  });

  it('makes the key immutable with a transition rule', () => {
    expect((spec['x-kubernetes-validations'] as { rule: string }[])[0]?.rule).toContain('oldSelf.key');
  });

  it('keeps conditions a list-map keyed by type', () => {
    const conditions = ((root.properties as Record<string, SchemaNode>).status?.properties as Record<string, SchemaNode>).conditions;
    expect(conditions).toMatchObject({ type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
    expect((conditions?.items as SchemaNode).required).toContain('type');
  });
});

describe('toStructural', () => {
  const convert = (schema: z.ZodType) => toStructural(z.toJSONSchema(schema, { io: 'input' }) as SchemaNode);

  it('drops additionalProperties: false, $schema and safe-integer bounds', () => {
    expect(convert(z.strictObject({ n: z.int() }))).toEqual({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
  });

  it('writes a nullable field as nullable: true', () => {
    expect(convert(z.object({ a: z.string().nullable() }))).toEqual({ type: 'object', properties: { a: { type: 'string', nullable: true } }, required: ['a'] });
  });

  it('keeps a typed map', () => {
    expect(convert(z.record(z.string(), z.string()))).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
  });

  it.each([
    ['a union of types', z.object({ a: z.union([z.string(), z.number()]) }), '$.a: a union of types'],
    ['a union of object types', z.object({ a: z.union([z.string(), z.object({})]) }), "$.a: 'anyOf' cannot be expressed"],
    ['a literal', z.object({ a: z.literal('x') }), "$.a: 'const' cannot be expressed"],
    ['an untyped value', z.object({ a: z.unknown() }), '$.a: every node of a structural schema needs a type'],
    ['an untyped map', z.record(z.string(), z.unknown()), '$: a map needs a value schema'],
  ])('refuses %s', (_, schema, message) => {
    expect(() => convert(schema)).toThrow(message);
  });
});

describe('generated ConfigSchema CRD', () => {
  const schemaCrd = buildSchemaCrd() as { spec: { versions: Version[]; names: Record<string, unknown>; scope: string } };
  const schemaVersion = schemaCrd.spec.versions[0] as Version;
  const schemaRoot = schemaVersion.schema.openAPIV3Schema;
  const schemaSpec = (schemaRoot.properties as Record<string, SchemaNode>).spec as SchemaNode;
  const versions = (schemaSpec.properties as Record<string, SchemaNode>).versions as SchemaNode;

  it('is structural and matches the committed file (what crdgen:check verifies)', () => {
    expect(structuralProblems(schemaRoot)).toEqual([]);
    expect(readFileSync(new URL(`../../../${SCHEMA_CRD_FILE}`, import.meta.url), 'utf8')).toBe(renderSchemaCrd());
    expect(parse(renderSchemaCrd())).toEqual(buildSchemaCrd());
  });

  it('is cluster-scoped with short name cs, the status subresource and the printer columns', () => {
    expect(schemaCrd.spec.names).toMatchObject({ kind: 'ConfigSchema', plural: 'configschemas', shortNames: ['cs'] });
    expect(schemaCrd.spec.scope).toBe('Cluster');
    expect(schemaVersion.subresources).toEqual({ status: {} });
    expect(schemaVersion.additionalPrinterColumns.map((c) => c.name)).toEqual(['Versions', 'Entries', 'Ready', 'Age']);
  });

  it('declares versions as a list-map keyed by name, at least one, with the immutability transition rule on each', () => {
    expect(versions).toMatchObject({ type: 'array', minItems: 1, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
    const item = versions.items as SchemaNode;
    expect((item['x-kubernetes-validations'] as { rule: string }[])[0]?.rule).toContain('oldSelf.schema');
    const openApi = ((item.properties as Record<string, SchemaNode>).schema?.properties as Record<string, SchemaNode>).openAPIV3Schema;
    expect(openApi).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('describes every spec and status field, for kubectl explain', () => {
    for (const part of ['spec', 'status']) {
      walk((schemaRoot.properties as Record<string, SchemaNode>)[part] as SchemaNode, (node, path) => {
        expect(typeof node.description, `${part}${path}`).toBe('string');
      });
    }
  });
});

describe('generated ConfigBundle CRD', () => {
  const bundleCrd = buildBundleCrd() as { spec: { versions: Version[]; names: Record<string, unknown>; scope: string } };
  const bundleVersion = bundleCrd.spec.versions[0] as Version;
  const bundleRoot = bundleVersion.schema.openAPIV3Schema;
  const bundleSpec = (bundleRoot.properties as Record<string, SchemaNode>).spec as SchemaNode;
  const members = (bundleSpec.properties as Record<string, SchemaNode>).members as SchemaNode;

  it('is structural and matches the committed file (what crdgen:check verifies)', () => {
    expect(structuralProblems(bundleRoot)).toEqual([]);
    const rendered = renderAllCrds().find((c) => c.file === BUNDLE_CRD_FILE)?.content;
    expect(readFileSync(new URL(`../../../${BUNDLE_CRD_FILE}`, import.meta.url), 'utf8')).toBe(rendered);
  });

  it('is namespaced with short name cb, the status subresource and the columns MEMBERS, READY, REASON, REVISION, AGE (and PRUNED, wide)', () => {
    expect(bundleCrd.spec.names).toMatchObject({ kind: 'ConfigBundle', plural: 'configbundles', shortNames: ['cb'] });
    expect(bundleCrd.spec.scope).toBe('Namespaced');
    expect(bundleVersion.subresources).toEqual({ status: {} });
    expect(bundleVersion.additionalPrinterColumns.map((c) => c.name.toUpperCase())).toEqual(['MEMBERS', 'READY', 'REASON', 'REVISION', 'AGE', 'PRUNED']);
  });

  it(`keeps members between 1 and ${MAX_BUNDLE_MEMBERS}, unique by key (a list-map), each with the entry's key and schema rules`, () => {
    expect(members).toMatchObject({ type: 'array', minItems: 1, maxItems: MAX_BUNDLE_MEMBERS, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['key'] });
    const item = members.items as SchemaNode;
    expect(item.required).toEqual(['key', 'schema', 'data']);
    const fields = item.properties as Record<string, SchemaNode>;
    expect(fields.key?.['x-kubernetes-validations']).toEqual(specFields.key?.['x-kubernetes-validations']);
    expect(fields.schema).toEqual(specFields.schema);
    expect(fields.data).toEqual(specFields.data);
  });

  it('describes every spec and status field, for kubectl explain', () => {
    for (const part of ['spec', 'status']) {
      walk((bundleRoot.properties as Record<string, SchemaNode>)[part] as SchemaNode, (node, path) => {
        expect(typeof node.description, `${part}${path}`).toBe('string');
      });
    }
  });
});
