/**
 * The operator at commit as a judge: each corpus schema declared under an id of its own
 * (`parity-<n>@v1`) in the operator's own SchemaRegistry, and each value through the operator's own
 * `validateData` (domain/validate.ts), the step whose canonical JSON the entry's transaction writes to
 * etcd. Compared with the oracle on the verdict and on the value committed (the canonical JSON, parsed
 * back): the apiserver's defaulting, pruning and typing, byte for byte but for key order, which
 * canonical JSON sorts anyway; and on the fields it names as pruned (ValidData.pruned: what the
 * FieldsPruned condition and the UnknownFieldsPruned Event name) against the apiserver's own
 * unknown-field warnings. Messages are the engine judge's to compare (the same engine).
 * Embedded ids (database@v1, ...) go through zod at commit today; here their openAPIV3Schema is
 * judged as a declared schema would be.
 */
import { SchemaRegistry } from '../../src/controller/schema-registry.ts';
import { DEFAULT_MAX_DATA_BYTES } from '../../src/api/names.ts';
import { validateData } from '../../src/domain/validate.ts';
import type { SchemaEngine } from '../../src/schemas/engine/engine.ts';
import type { Aspect, CorpusSchema, Judge, SchemaVerdict, Verdict } from './judge.ts';

export function commitJudge(engine: SchemaEngine): Judge {
  const registry = new SchemaRegistry(engine, () => {});
  const ids = new Map<string, string>();
  return {
    name: 'operator commit',
    aspects: new Set<Aspect>(['value', 'warnings']),
    async prepare(schema: CorpusSchema): Promise<SchemaVerdict> {
      const name = `parity-${ids.size}`;
      const compiled = registry.compile(`${name}@v1`, schema.schema);
      if (!compiled.ok) return { ok: false, messages: compiled.problems.map((p) => p.message) };
      registry.setReady(name, ['v1']);
      ids.set(schema.name, `${name}@v1`);
      return { ok: true };
    },
    async judge(schema: CorpusSchema, value: unknown): Promise<Verdict> {
      const id = ids.get(schema.name);
      if (id === undefined) throw new Error(`${schema.name} was not prepared`);
      const result = validateData(id, value, { maxBytes: DEFAULT_MAX_DATA_BYTES, engineSchemas: (i) => registry.lookup(i) });
      if (!result.ok) return { ok: false, messages: [...result.issues] };
      // The paths status and the UnknownFieldsPruned Event name, worded back as the apiserver warns of them.
      return { ok: true, value: JSON.parse(result.canonical) as unknown, warnings: result.pruned.map((path) => `unknown field ${JSON.stringify(path)}`) };
    },
    async close(): Promise<void> {
      for (const id of ids.values()) registry.forget(id.split('@')[0] ?? id);
      ids.clear();
    },
  };
}
