/**
 * The samples in deploy/samples are what a new user applies first (`npm run dev` applies them all),
 * so each must show what its name promises: a valid sample per embedded schema is accepted as is,
 * and each `invalid-*.yaml` is rejected for exactly one reason, by the CRD at `kubectl apply` or by
 * the operator in status, with the message a person will read.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ConfigBundle, parseConfigBundle } from '../../src/api/config-bundle.ts';
import { planBundle } from '../../src/domain/plan-bundle.ts';
import { INVALID_DATA, UNKNOWN_SCHEMA } from '../../src/api/conditions.ts';
import { parseConfigEntry } from '../../src/api/config-entry.ts';
import { API_VERSION, BUNDLE_KIND, DEFAULT_MAX_DATA_BYTES, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_TXN_OPS, DEFAULT_PREFIX, KEY_PATTERN, KIND, SCHEMA_ID_PATTERN } from '../../src/api/names.ts';
import { checkRelativeKey } from '../../src/domain/keys.ts';
import { type SchemaLookup, validateData } from '../../src/domain/validate.ts';
import { generateAdmissionPolicy } from '../../src/schemas/admission/index.ts';
import type { Compiled, JsonSchema } from '../../src/schemas/engine/engine.ts';
import { loadTestEngine } from '../support/engine.ts';
import { lookupSchema, schemaIds } from '../../src/schemas/index.ts';
import { embeddedConfigSchemas } from '../../src/schemas/embedded-config-schemas.ts';

const SAMPLES_DIR = join(import.meta.dirname, '..', '..', 'deploy', 'samples');
const NAMESPACE = 'cairn-demo';
const NAMESPACE_FILE = '00-namespace.yaml';
/** The declared schema the payments samples name (applied before them: files apply in name order). */
const SCHEMA_FILE = '01-payments-schema.yaml';
/** The ConfigBundle sample (its members name embedded schemas). */
const BUNDLE_FILE = '02-checkout-bundle.yaml';
const engine = await loadTestEngine();
const declaredSchema = parse(readFileSync(join(SAMPLES_DIR, SCHEMA_FILE), 'utf8')) as { metadata: { name: string }; spec: { versions: { name: string; schema: { openAPIV3Schema: JsonSchema } }[] } };
/** The declared schema's versions compiled as the operator compiles them, as its registry serves them. */
const DECLARED = new Map(declaredSchema.spec.versions.map((v) => [`${declaredSchema.metadata.name}@${v.name}`, engine.compile(v.schema.openAPIV3Schema)]));
/** The embedded versions the engine judges, compiled as the operator pins them at start. */
const EMBEDDED = new Map<string, Compiled>(
  [...embeddedConfigSchemas()].flatMap(([name, cs]) =>
    cs.spec.versions.filter((v) => lookupSchema(`${name}@${v.name}`)?.notStructural === undefined).map((v) => [`${name}@${v.name}`, engine.compile(v.schema.openAPIV3Schema)] as const),
  ),
);
/** As the operator runs with the engine (`npm run dev` gives it). */
const OPTIONS = {
  maxBytes: DEFAULT_MAX_DATA_BYTES,
  engineSchemas: (id: string): SchemaLookup => {
    const embedded = EMBEDDED.get(id);
    if (embedded?.ok) return { kind: 'ready', schema: embedded.schema };
    const compiled = DECLARED.get(id);
    return compiled?.ok ? { kind: 'ready', schema: compiled.schema } : { kind: 'unknown' };
  },
};

type Expected =
  /** Accepted by the apiserver and committed by the operator. */
  | { readonly outcome: 'valid' }
  /** Refused by the CRD's CEL rule on spec.key at `kubectl apply`; keys.ts names the problem. */
  | { readonly outcome: 'crd-key'; readonly problem: string }
  /** Refused by the CRD's CEL rule on spec.schema at `kubectl apply`. */
  | { readonly outcome: 'crd-schema-id' }
  /** Accepted by the apiserver, refused by the operator: Stalled with this reason and message. */
  | { readonly outcome: 'status'; readonly reason: string; readonly message: string }
  /** Refused at `kubectl apply` by the admission policy of the (declared or embedded) schema it names; the engine's message at commit. */
  | { readonly outcome: 'admission'; readonly message: string };


const KNOWN = `known schemas: ${schemaIds().join(', ')}`;

/** Every sample file and what it must show. A new sample needs a row here. */
const EXPECTED: Readonly<Record<string, Expected>> = {
  'database.yaml': { outcome: 'valid' },
  'payments.yaml': { outcome: 'valid' },
  'invalid-payments.yaml': { outcome: 'admission', message: 'spec.data.currency: Unsupported value: "GBP": supported values: "EUR", "USD"' },
  'feature-flags.yaml': { outcome: 'valid' },
  'feature-flags-v2.yaml': { outcome: 'valid' },
  'rate-limits.yaml': { outcome: 'valid' },
  'service-endpoints.yaml': { outcome: 'valid' },
  'invalid-key.yaml': { outcome: 'crd-key', problem: "must not contain '.' or '..' segments" },
  'invalid-schema-id.yaml': { outcome: 'crd-schema-id' },
  'invalid-unknown-schema.yaml': {
    outcome: 'status',
    reason: UNKNOWN_SCHEMA,
    message: `spec.schema: no schema "database@v2" is embedded in this operator or declared by a ConfigSchema; ${KNOWN}`,
  },
  'invalid-wrong-type.yaml': { outcome: 'admission', message: 'spec.data.port: Invalid value: "string": spec.data.port in body must be of type integer: "string"' },
  'invalid-missing-field.yaml': { outcome: 'admission', message: 'spec.data.endpoints[0].url: Required value' },
  'invalid-out-of-range.yaml': { outcome: 'admission', message: 'spec.data.routes[0].requestsPerSecond: Invalid value: 0: spec.data.routes[0].requestsPerSecond in body should be greater than 0' },
  'invalid-cross-field.yaml': { outcome: 'admission', message: 'spec.data.pool.min: Invalid value: must not be greater than pool.max' },
};

interface Sample {
  readonly file: string;
  readonly object: {
    apiVersion?: unknown;
    kind?: unknown;
    metadata: { name: string; namespace?: string };
    spec: { schema: string; key?: string; data: unknown };
  };
}

/** Parsed as YAML 1.1, as kubectl reads it: unquoted on/off/yes/no are booleans there. */
function readSample(file: string): Sample {
  const object = parse(readFileSync(join(SAMPLES_DIR, file), 'utf8'), { version: '1.1' }) as Sample['object'];
  return { file, object };
}

function manifestFiles(): string[] {
  return readdirSync(SAMPLES_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
}

const samples = Object.keys(EXPECTED).map(readSample);

/** The key the entry writes under: spec.key, or metadata.name when absent. */
function relativeKey(sample: Sample): string {
  return sample.object.spec.key ?? sample.object.metadata.name;
}

/** The apiserver adds these; parseConfigEntry needs them to read the object as it would be served. */
function asServed(sample: Sample): unknown {
  const { metadata } = sample.object;
  return { ...sample.object, metadata: { ...metadata, uid: `uid-${metadata.name}`, generation: 1 } };
}

describe('the samples directory', () => {
  it('holds the namespace and exactly the samples listed here', () => {
    expect(manifestFiles()).toEqual([NAMESPACE_FILE, SCHEMA_FILE, BUNDLE_FILE, ...Object.keys(EXPECTED)].sort());
  });

  it('creates the namespace first, so `kubectl apply -f deploy/samples/` needs no second run', () => {
    expect(manifestFiles()[0]).toBe(NAMESPACE_FILE);
    expect(readSample(NAMESPACE_FILE).object).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  });

  it('names a file invalid-* exactly when it is meant to be rejected', () => {
    for (const [file, expected] of Object.entries(EXPECTED)) {
      expect(file.startsWith('invalid-'), file).toBe(expected.outcome !== 'valid');
    }
  });

  it('has one valid sample per embedded schema and per version of the declared one', () => {
    const valid = samples.filter((s) => EXPECTED[s.file]?.outcome === 'valid').map((s) => s.object.spec.schema);
    expect(valid.sort()).toEqual([...schemaIds(), ...DECLARED.keys()].sort());
  });

  it('declares a schema the engine compiles and the admission policy generator translates', () => {
    for (const [id, compiled] of DECLARED) expect(compiled.ok ? 'ok' : compiled.problems, id).toBe('ok');
    for (const v of declaredSchema.spec.versions) {
      const generated = generateAdmissionPolicy({ name: declaredSchema.metadata.name, version: v.name, openAPIV3Schema: v.schema.openAPIV3Schema, owner: { uid: 'uid' } });
      expect(generated.ok ? 'ok' : generated.problems).toBe('ok');
    }
  });

  it.each(samples)('$file is one ConfigEntry in the demo namespace', ({ object }) => {
    expect(object.apiVersion).toBe(API_VERSION);
    expect(object.kind).toBe(KIND);
    expect(object.metadata.namespace).toBe(NAMESPACE);
  });

  it('gives every entry its own name and key, so no sample fails with a key conflict', () => {
    const names = samples.map((s) => s.object.metadata.name);
    const keys = samples.map(relativeKey);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the bundle sample', () => {
  const object = parse(readFileSync(join(SAMPLES_DIR, BUNDLE_FILE), 'utf8'), { version: '1.1' }) as ConfigBundle;

  it('is one ConfigBundle in the demo namespace whose members take no sample entry\'s key', () => {
    expect(object).toMatchObject({ apiVersion: API_VERSION, kind: BUNDLE_KIND, metadata: { namespace: NAMESPACE } });
    const entryKeys = new Set(samples.map(relativeKey));
    for (const member of object.spec.members) expect(entryKeys.has(member.key), member.key).toBe(false);
  });

  it('is accepted and committed in one transaction (every member valid, within the limits)', () => {
    const parsed = parseConfigBundle({ ...object, metadata: { ...object.metadata, uid: 'uid-bundle', generation: 1 } });
    if (!parsed.ok) throw new Error(parsed.message);
    const ctx = { prefix: DEFAULT_PREFIX, fence: { key: `${DEFAULT_PREFIX}/fence`, revision: '1' }, now: new Date(), maxTxnOps: DEFAULT_MAX_TXN_OPS, maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES, ...OPTIONS };
    const decision = planBundle(parsed.bundle, {}, ctx);
    expect(decision.kind === 'commit' ? 'commit' : decision).toBe('commit');
  });
});

describe('each sample shows what its name promises', () => {
  const validSamples = samples.filter((s) => EXPECTED[s.file]?.outcome === 'valid');
  it.each(validSamples)('$file is accepted and committable', (sample) => {
    expect(parseConfigEntry(asServed(sample)).ok).toBe(true);
    expect(checkRelativeKey(relativeKey(sample))).toEqual({ ok: true, key: relativeKey(sample) });
    const result = validateData(sample.object.spec.schema, sample.object.spec.data, OPTIONS);
    expect(result.ok ? 'ok' : result.message).toBe('ok');
  });

  const keyRejections = samples.filter((s) => EXPECTED[s.file]?.outcome === 'crd-key');
  it.each(keyRejections)('$file is refused by the CRD for its key, and for nothing else', (sample) => {
    const expected = EXPECTED[sample.file] as Extract<Expected, { outcome: 'crd-key' }>;
    const key = relativeKey(sample);
    expect(new RegExp(KEY_PATTERN).test(key)).toBe(false);
    expect(checkRelativeKey(key)).toEqual({ ok: false, problem: expected.problem });
    expect(new RegExp(SCHEMA_ID_PATTERN).test(sample.object.spec.schema)).toBe(true);
    expect(validateData(sample.object.spec.schema, sample.object.spec.data, OPTIONS).ok).toBe(true);
  });

  const schemaIdRejections = samples.filter((s) => EXPECTED[s.file]?.outcome === 'crd-schema-id');
  it.each(schemaIdRejections)('$file is refused by the CRD for its schema id, and for nothing else', (sample) => {
    const { schema, data } = sample.object.spec;
    expect(new RegExp(SCHEMA_ID_PATTERN).test(schema)).toBe(false);
    expect(checkRelativeKey(relativeKey(sample)).ok).toBe(true);
    // Were the CRD rule missing, the operator would still refuse it, naming the expected form.
    expect(validateData(schema, data, OPTIONS)).toMatchObject({
      ok: false,
      reason: UNKNOWN_SCHEMA,
      message: `spec.schema: ${JSON.stringify(schema)} is not a schema id of the form name@vN; ${KNOWN}`,
    });
  });

  const admissionRejections = samples.filter((s) => EXPECTED[s.file]?.outcome === 'admission');
  it.each(admissionRejections)('$file names a schema the engine judges and is refused by its verdict (what its admission policy denies)', (sample) => {
    const expected = EXPECTED[sample.file] as Extract<Expected, { outcome: 'admission' }>;
    const { schema, data } = sample.object.spec;
    expect(DECLARED.has(schema) || EMBEDDED.has(schema)).toBe(true);
    expect(parseConfigEntry(asServed(sample)).ok).toBe(true);
    const result = validateData(schema, data, OPTIONS);
    expect(result).toMatchObject({ ok: false, reason: INVALID_DATA });
    expect(result.ok ? '' : result.message).toContain(expected.message);
  });

  const statusRejections = samples.filter((s) => EXPECTED[s.file]?.outcome === 'status');
  it.each(statusRejections)('$file passes the CRD and is refused by the operator with one clear message', (sample) => {
    const expected = EXPECTED[sample.file] as Extract<Expected, { outcome: 'status' }>;
    const { schema, data } = sample.object.spec;
    expect(parseConfigEntry(asServed(sample)).ok).toBe(true);
    expect(new RegExp(SCHEMA_ID_PATTERN).test(schema)).toBe(true);
    expect(checkRelativeKey(relativeKey(sample)).ok).toBe(true);
    expect(validateData(schema, data, OPTIONS)).toEqual({
      ok: false,
      reason: expected.reason,
      message: expected.message,
      issues: [expected.message],
    });
  });
});
