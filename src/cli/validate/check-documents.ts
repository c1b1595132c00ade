/**
 * checkDocuments: manifests -> a verdict per document, by the operator's own code path, so `cairn
 * validate` says what the operator would say at commit, in the same words:
 *   - a ConfigSchema is judged by judgeVersions (the engine compiles each served version, the
 *     admission generator translates it) and registered in a SchemaRegistry exactly as the schema
 *     reconciler does (Ready, or not Ready with the refusal);
 *   - a ConfigEntry's key by resolveEntryKeys, its data by validateData with that registry as the
 *     declared schemas (embedded schemas as the operator checks them), unknown fields as the
 *     engine's warnings (pruned: not stored), for embedded and declared schemas alike.
 *   - a ConfigBundle member by member, with the same checks (check-bundle.ts).
 * Declared schemas come from the documents first, then from `clusterSchemas` (`--cluster`).
 *
 * Guarantees: every document gets one result; every problem names its field and the line of that
 * field (or its nearest ancestor in the document). No I/O: the engine is handed in.
 * Errors: none thrown for any document; the engine's own failure (ValidatorFailedError) propagates.
 */
import { API_VERSION, BUNDLE_KIND, KIND, SCHEMA_KIND, SCHEMA_VERSION_PATTERN } from '../../api/names.ts';
import { ConfigEntrySpecSchema } from '../../api/config-entry.ts';
import { type ConfigSchema, parseConfigSchema } from '../../api/config-schema.ts';
import { SchemaRegistry } from '../../controller/schema-registry.ts';
import { resolveEntryKeys } from '../../domain/entry-keys.ts';
import { validateData } from '../../domain/validate.ts';
import type { SchemaEngine } from '../../schemas/engine/engine.ts';
import { declaredRegistry, registerSchema } from '../declared-schemas.ts';
import { bundleProblems } from './check-bundle.ts';
import type { LoadedDocument } from './documents.ts';

export interface Finding {
  /** The field the message is about (`spec.data.port`), or `` for the document as a whole. */
  readonly field: string;
  readonly message: string;
  readonly line: number;
}

export type DocumentStatus = 'valid' | 'invalid' | 'skipped';

export interface DocumentResult {
  readonly file: string;
  readonly index: number;
  /** Where the object sits in a list document (`items[2]`); absent for a document of its own. */
  readonly item?: string;
  readonly line: number;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly schema?: string;
  readonly status: DocumentStatus;
  readonly problems: readonly Finding[];
  readonly warnings: readonly Finding[];
}

export interface CheckOptions {
  readonly engine: SchemaEngine;
  readonly maxBytes: number;
  readonly prefix: string;
  /** ConfigSchemas read from the cluster (`--cluster`); a document declaring the same name wins. */
  readonly clusterSchemas?: readonly ConfigSchema[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The field a message names: the text before its first `: ` when that looks like a path. */
export function fieldOf(message: string): string {
  const head = message.split(': ')[0] ?? '';
  return /^[A-Za-z_][\w.[\]"\-/@ ()]*$/.test(head) && !head.includes(' ') ? head : '';
}

/** Where a document's result points: its file, its position there (and in its list), its line. */
function where(document: LoadedDocument): Pick<DocumentResult, 'file' | 'index' | 'item' | 'line'> {
  return { file: document.file, index: document.index, ...(document.item === undefined ? {} : { item: document.item }), line: document.line };
}

function finding(document: LoadedDocument, message: string, field = fieldOf(message)): Finding {
  return { field, message, line: document.lineOf(field) };
}

/** The warning for a field the schema does not declare (validate.ts ValidData.pruned), at its line. */
function prunedFinding(document: LoadedDocument, path: string): Finding {
  return finding(document, `unknown field ${JSON.stringify(path)} (pruned: it is not stored)`, path);
}

function metadataOf(object: Obj): { name: string; namespace?: string } {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  return typeof metadata.namespace === 'string' ? { name, namespace: metadata.namespace } : { name };
}

function nameProblems(document: LoadedDocument, name: string): Finding[] {
  if (name === '') return [finding(document, 'metadata.name: Required value: name is required')];
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return [finding(document, `metadata.name: Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`)];
  }
  return [];
}

function apiVersionProblems(document: LoadedDocument, object: Obj): Finding[] {
  return object.apiVersion === API_VERSION ? [] : [finding(document, `apiVersion: must be ${API_VERSION}, got ${JSON.stringify(object.apiVersion)}`)];
}

/** The shape and CRD-level rules of a ConfigSchema that the CRD enforces at apply (names, versions). */
function schemaShapeProblems(document: LoadedDocument, object: Obj): Finding[] {
  const versions = isObject(object.spec) && Array.isArray(object.spec.versions) ? (object.spec.versions as unknown[]) : [];
  const problems: Finding[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const name = isObject(v) ? v.name : undefined;
    if (typeof name !== 'string') return;
    if (!new RegExp(SCHEMA_VERSION_PATTERN).test(name)) problems.push(finding(document, `spec.versions[${i}].name: Invalid value: ${JSON.stringify(name)}: should match '${SCHEMA_VERSION_PATTERN}'`));
    if (seen.has(name)) problems.push(finding(document, `spec.versions[${i}]: Duplicate value: {"name":${JSON.stringify(name)}}`));
    seen.add(name);
  });
  return problems;
}

interface Declared {
  readonly document?: LoadedDocument;
  readonly schema: ConfigSchema;
}

export function checkDocuments(documents: readonly LoadedDocument[], options: CheckOptions): DocumentResult[] {
  const registry = declaredRegistry(options.engine, []); // embedded data judged by the engine, as the operator judges it
  const results = new Map<LoadedDocument, DocumentResult>();
  const declared = new Map<string, Declared>();
  for (const schema of options.clusterSchemas ?? []) declared.set(schema.metadata.name, { schema });

  // ConfigSchemas first: an entry may name a schema declared in a later file.
  for (const document of documents) {
    const object = document.object;
    if (!isObject(object) || object.kind !== SCHEMA_KIND) continue;
    const { name } = metadataOf(object);
    const base = { ...where(document), kind: SCHEMA_KIND, name };
    const problems = [...apiVersionProblems(document, object), ...nameProblems(document, name), ...schemaShapeProblems(document, object)];
    const earlier = declared.get(name)?.document;
    if (earlier !== undefined) problems.push(finding(document, `metadata.name: ConfigSchema ${name} is also declared at ${earlier.file}:${earlier.line}`));
    const metadata = isObject(object.metadata) ? object.metadata : {};
    const parsed = parseConfigSchema({ ...object, metadata: { ...metadata, uid: metadata.uid ?? 'offline' } });
    if (!parsed.ok) {
      problems.push(...parsed.message.split('; ').map((m) => finding(document, m.startsWith('spec') || m.startsWith('metadata') ? m : `spec.${m}`)));
      results.set(document, { ...base, status: 'invalid', problems, warnings: [] });
      continue;
    }
    if (problems.length === 0) declared.set(name, { document, schema: parsed.schema });
    else if (!declared.has(name)) registry.setNotReady(name, `its manifest is invalid (${document.file}:${document.line})`);
    results.set(document, { ...base, status: problems.length === 0 ? 'valid' : 'invalid', problems, warnings: [] });
  }

  for (const { document, schema } of declared.values()) {
    const verdict = registerSchema(registry, schema);
    if (verdict.refusal === undefined || document === undefined) continue;
    const problems = verdict.versions.flatMap((v) => {
      if (v.state !== 'Invalid') return [];
      const i = schema.spec.versions.findIndex((s) => s.name === v.name);
      const path = (v.message ?? '').slice(v.name.length + 2).split(': ')[0] ?? '';
      const field = `spec.versions[${i}].schema${path.startsWith('openAPIV3Schema') ? `.${path}` : ''}`;
      return [{ field, message: `spec.versions[${i}] (${v.name}): ${(v.message ?? '').slice(v.name.length + 2)}`, line: document.lineOf(field) }];
    });
    const previous = results.get(document);
    if (previous !== undefined) results.set(document, { ...previous, status: 'invalid', problems: [...previous.problems, ...problems] });
  }

  const claimed = new Map<string, LoadedDocument>();
  return documents.map((document) => {
    const done = results.get(document);
    if (done !== undefined) return done;
    const object = document.object;
    if (document.syntaxErrors.length > 0) {
      return { ...where(document), kind: '', name: '', status: 'invalid', problems: document.syntaxErrors.map((m) => ({ field: '', message: `YAML: ${m}`, line: Number(/^line (\d+)/.exec(m)?.[1] ?? document.line) })), warnings: [] };
    }
    if (isObject(object) && object.kind === BUNDLE_KIND) return checkBundle(document, object, registry, options, claimed);
    if (!isObject(object) || object.kind !== KIND) {
      const kind = isObject(object) && typeof object.kind === 'string' ? object.kind : '(not an object)';
      return { ...where(document), kind, name: isObject(object) ? metadataOf(object).name : '', status: 'skipped', problems: [], warnings: [] };
    }
    return checkEntry(document, object, registry, options, claimed);
  });
}

function checkEntry(document: LoadedDocument, object: Obj, registry: SchemaRegistry, options: CheckOptions, claimed: Map<string, LoadedDocument>): DocumentResult {
  const meta = metadataOf(object);
  const rawSpec = isObject(object.spec) ? object.spec : undefined;
  const schemaId = typeof rawSpec?.schema === 'string' ? rawSpec.schema : undefined;
  const base = { ...where(document), kind: KIND, ...meta, ...(schemaId === undefined ? {} : { schema: schemaId }) };
  const problems = [...apiVersionProblems(document, object), ...nameProblems(document, meta.name)];
  const warnings: Finding[] = [];
  const spec = ConfigEntrySpecSchema.safeParse(object.spec ?? null);
  if (!spec.success) {
    for (const issue of spec.error.issues) problems.push(finding(document, `${['spec', ...issue.path].join('.')}: ${issue.message}`));
    return { ...base, status: 'invalid', problems, warnings };
  }
  const keys = resolveEntryKeys({ metadata: { ...meta, namespace: meta.namespace ?? 'default', uid: '' }, spec: spec.data }, options.prefix);
  if (!keys.ok) problems.push(finding(document, keys.message, spec.data.key === undefined ? 'metadata.name' : 'spec.key'));
  else {
    const claim = `${meta.namespace ?? ''}\u0000${spec.data.key ?? meta.name}`;
    const owner = claimed.get(claim);
    if (owner !== undefined) problems.push(finding(document, `${spec.data.key === undefined ? 'metadata.name' : 'spec.key'}: the key ${spec.data.key ?? meta.name} is also claimed by the entry at ${owner.file}:${owner.line} (one entry per key: the later one would be Stalled, KeyConflict)`, spec.data.key === undefined ? 'metadata.name' : 'spec.key'));
    else claimed.set(claim, document);
  }
  const validated = validateData(spec.data.schema, spec.data.data, { maxBytes: options.maxBytes, engineSchemas: (id) => registry.lookup(id) });
  if (!validated.ok) problems.push(...validated.issues.map((m) => finding(document, m)));
  else warnings.push(...validated.pruned.map((path) => prunedFinding(document, path)));
  return { ...base, status: problems.length === 0 ? 'valid' : 'invalid', problems, warnings };
}

function checkBundle(document: LoadedDocument, object: Obj, registry: SchemaRegistry, options: CheckOptions, claimed: Map<string, LoadedDocument>): DocumentResult {
  const meta = metadataOf(object);
  const problems = [...apiVersionProblems(document, object), ...nameProblems(document, meta.name)];
  const found = bundleProblems(document, object.spec, { maxBytes: options.maxBytes, engineSchemas: (id) => registry.lookup(id) }, finding);
  const warnings = found.pruned.map((path) => prunedFinding(document, path));
  problems.push(...found.problems);
  for (const key of found.keys) {
    const claim = `${meta.namespace ?? ''}\u0000${key}`;
    const owner = claimed.get(claim);
    if (owner !== undefined) problems.push(finding(document, `spec.members: the key ${key} is also claimed at ${owner.file}:${owner.line} (one owner per key)`, 'spec.members'));
    else claimed.set(claim, document);
  }
  return { ...where(document), kind: BUNDLE_KIND, ...meta, status: problems.length === 0 ? 'valid' : 'invalid', problems, warnings };
}
