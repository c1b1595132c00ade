/** The operator's schema engine (src/schemas/engine) as a judge: compared on every aspect. */
import type { CompiledSchema, SchemaEngine, UnknownFields } from '../../src/schemas/engine/engine.ts';
import type { Aspect, CorpusSchema, Judge, SchemaVerdict, Verdict } from './judge.ts';

export function engineJudge(engine: SchemaEngine, unknownFields: UnknownFields = 'Warn'): Judge {
  const compiled = new Map<string, CompiledSchema>();
  return {
    name: unknownFields === 'Warn' ? 'engine' : 'engine (strict)',
    aspects: new Set<Aspect>(['value', 'messages', 'warnings']),
    async prepare(schema: CorpusSchema): Promise<SchemaVerdict> {
      const result = engine.compile(schema.schema);
      if (!result.ok) return { ok: false, messages: result.problems.map((p) => p.message) };
      compiled.set(schema.name, result.schema);
      return { ok: true };
    },
    async judge(schema: CorpusSchema, value: unknown): Promise<Verdict> {
      const found = compiled.get(schema.name);
      if (found === undefined) throw new Error(`${schema.name} was not prepared`);
      const result = found.validate(value, unknownFields);
      return result.ok ? { ok: true, value: result.value, warnings: result.warnings } : { ok: false, messages: result.issues.map((i) => i.message) };
    },
    async close(): Promise<void> {
      for (const schema of compiled.values()) schema.release();
      compiled.clear();
    },
  };
}
