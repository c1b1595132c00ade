/**
 * The declared schemas the operator can validate entries against: compiled versions by schema id
 * (`name@version`), and which of them are Ready. The schema reconciler compiles through it (so a
 * schema is compiled once per content, not once per reconcile) and marks versions Ready once their
 * policy is bound and they are published; the entry reconciler looks ids up in it.
 *
 * Guarantees: bounded by what the cluster declares: a compiled schema is released when its content
 * changes or its ConfigSchema goes (`forget`). `onReady(name)` is called each time a schema becomes
 * Ready (after being absent or not Ready), so entries that waited for it are queued.
 */
import { canonicalJson } from '../domain/canonical.ts';
import type { DeclaredSchemaLookup } from '../domain/validate.ts';
import type { Compiled, JsonSchema, SchemaEngine } from '../schemas/engine/engine.ts';

export type SchemaLookup = DeclaredSchemaLookup;

interface Slot {
  readonly content: string;
  readonly compiled: Compiled;
  ready: boolean;
}

export class SchemaRegistry {
  private readonly engine: SchemaEngine;
  private readonly onReady: (name: string) => void;
  private readonly slots = new Map<string, Slot>();
  private readonly notReady = new Map<string, string>();

  constructor(engine: SchemaEngine, onReady: (name: string) => void) {
    this.engine = engine;
    this.onReady = onReady;
  }

  /** Compiles `openAPIV3Schema` for `id`, reusing the last compilation when the content is the same. */
  compile(id: string, openAPIV3Schema: JsonSchema): Compiled {
    const content = canonicalJson(openAPIV3Schema);
    const slot = this.slots.get(id);
    if (slot !== undefined && slot.content === content) return slot.compiled;
    if (slot?.compiled.ok) slot.compiled.schema.release();
    const compiled = this.engine.compile(openAPIV3Schema);
    this.slots.set(id, { content, compiled, ready: false });
    return compiled;
  }

  /** The schema `name` serves exactly `versions`, all Ready; other versions of it are forgotten. */
  setReady(name: string, versions: readonly string[]): void {
    const wanted = new Set(versions.map((v) => `${name}@${v}`));
    let changed = this.notReady.delete(name);
    for (const [id, slot] of this.slots) {
      if (!id.startsWith(`${name}@`)) continue;
      if (!wanted.has(id)) {
        this.drop(id);
        continue;
      }
      if (!slot.ready && slot.compiled.ok) {
        slot.ready = true;
        changed = true;
      }
    }
    if (changed) this.onReady(name);
  }

  /** The schema `name` exists but cannot be used now (`message` says why); entries naming it wait. */
  setNotReady(name: string, message: string): void {
    this.notReady.set(name, message);
    for (const [id, slot] of this.slots) if (id.startsWith(`${name}@`)) slot.ready = false;
  }

  /** The ConfigSchema `name` is gone: its compiled versions are released. */
  forget(name: string): void {
    this.notReady.delete(name);
    for (const id of [...this.slots.keys()]) if (id.startsWith(`${name}@`)) this.drop(id);
  }

  lookup(id: string): SchemaLookup {
    const slot = this.slots.get(id);
    if (slot?.ready && slot.compiled.ok) return { kind: 'ready', schema: slot.compiled.schema };
    const name = id.split('@')[0] ?? id;
    const why = this.notReady.get(name);
    if (why !== undefined) return { kind: 'notReady', message: `ConfigSchema ${name} is not Ready: ${why}` };
    if (slot !== undefined) return { kind: 'notReady', message: `ConfigSchema ${name} is not Ready yet` };
    return { kind: 'unknown' };
  }

  private drop(id: string): void {
    const slot = this.slots.get(id);
    if (slot?.compiled.ok) slot.compiled.schema.release();
    this.slots.delete(id);
  }
}
