import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedNames, generateTypes, typeOf } from '../../../src/client/generate-types.ts';
import type { PublishedSchema } from '../../../src/client/types.ts';

describe('typeOf', () => {
  it.each([
    [{ type: 'string' }, 'string'],
    [{ type: 'integer' }, 'number'],
    [{ type: 'number', nullable: true }, 'number | null'],
    [{ type: 'boolean' }, 'boolean'],
    [{ type: 'string', enum: ['EUR', 'USD'] }, '"EUR" | "USD"'],
    [{ 'x-kubernetes-int-or-string': true }, 'number | string'],
    [{ type: 'array', items: { type: 'string' } }, 'string[]'],
    [{ type: 'array', items: { type: 'string', enum: ['a', 'b'] } }, 'Array<"a" | "b">'],
    [{ type: 'object', additionalProperties: { type: 'integer' } }, 'Record<string, number>'],
    [{ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, 'Record<string, unknown>'],
    [{ 'x-kubernetes-preserve-unknown-fields': true }, 'unknown'],
    [{ type: 'object' }, '{}'],
    [
      { type: 'object', required: ['a'], properties: { a: { type: 'string' }, b: { type: 'integer', default: 3 }, c: { type: 'boolean' }, 'd-e': { type: 'string' } } },
      '{\n  a: string;\n  b: number;\n  c?: boolean;\n  "d-e"?: string;\n}',
    ],
    [
      { type: 'object', properties: { o: { type: 'object', description: 'Inner.', properties: { x: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true } } },
      '{\n  /** Inner. */\n  o?: {\n    x?: string;\n    [key: string]: unknown;\n  };\n}',
    ],
  ])('%j -> %s', (schema, expected) => {
    expect(typeOf(schema)).toBe(expected);
  });
});

describe('generatedNames', () => {
  it.each([
    ['payments@v1', { type: 'PaymentsV1', schema: 'paymentsV1', guard: 'isPaymentsV1' }],
    ['feature-gates@v12', { type: 'FeatureGatesV12', schema: 'featureGatesV12', guard: 'isFeatureGatesV12' }],
    ['3d@v1', { type: 'Schema3dV1', schema: 'schema3dV1', guard: 'isSchema3dV1' }],
  ])('%s', (id, names) => {
    expect(generatedNames(id)).toEqual(names);
  });
});

describe('generateTypes', () => {
  const published: PublishedSchema = {
    id: 'payments@v1',
    name: 'payments',
    version: 'v1',
    deprecated: true,
    deprecationWarning: 'use payments@v2',
    openAPIV3Schema: {
      type: 'object',
      description: 'Settings of the payments service.',
      required: ['currency'],
      properties: {
        currency: { type: 'string', enum: ['EUR', 'USD'] },
        retries: { type: 'integer', default: 3 },
        endpoints: { type: 'array', items: { type: 'object', required: ['url'], properties: { url: { type: 'string' } } } },
      },
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'cairn-typegen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const client = resolve('src/client/index.ts');
  const modulePath = join(dir, 'payments.ts');
  writeFileSync(modulePath, generateTypes(published, client));

  it('writes a module that type-checks, whose type accepts a valid value and refuses a wrong one', () => {
    const usage = join(dir, 'usage.ts');
    writeFileSync(
      usage,
      [
        "import { type PaymentsV1, paymentsV1, isPaymentsV1 } from './payments.ts';",
        "const ok: PaymentsV1 = { currency: 'EUR', retries: 3, endpoints: [{ url: 'x' }] };",
        "// @ts-expect-error: GBP is not in the enum",
        "const wrong: PaymentsV1 = { currency: 'GBP', retries: 3 };",
        "// @ts-expect-error: retries has a default, so a stored value always has it",
        "const missing: PaymentsV1 = { currency: 'EUR' };",
        'export const used = [ok, wrong, missing, paymentsV1.id, isPaymentsV1(ok)];',
      ].join('\n'),
    );
    const program = ts.createProgram([usage], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [resolve('node_modules/@types')],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 60_000);

  it('exports a runtime guard and a ValueSchema of the schema id', async () => {
    const generated = (await import(modulePath)) as { paymentsV1: { id: string }; isPaymentsV1: (v: unknown) => boolean };
    expect(generated.paymentsV1.id).toBe('payments@v1');
    expect(generated.isPaymentsV1({ currency: 'EUR', retries: 3 })).toBe(true);
    expect(generated.isPaymentsV1({ currency: 'GBP', retries: 3 })).toBe(false);
    expect(generated.isPaymentsV1({ currency: 'EUR', endpoints: [{}] })).toBe(false);
  });

  it('marks a deprecated version @deprecated with its warning', () => {
    expect(generateTypes(published)).toContain('@deprecated use payments@v2');
    expect(generateTypes(published)).toContain("from 'cairn/client'");
  });
});
