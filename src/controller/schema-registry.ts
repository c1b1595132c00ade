/**
 * The schemas the operator validates entries against with the engine: the embedded versions, compiled
 * once at start and always Ready (`pin`), and the declared ones: compiled versions by schema id
 * (`name@version`), and which of them are Ready. The schema reconciler compiles through it (so a
 * schema is compiled once per content, not once per reconcile) and marks versions Ready once their
 * policy is bound and they are published; the entry reconciler looks ids up in it.
 *
 * Guarantees: bounded by what the cluster declares and the operator embeds: a declared compilation is
 * released when its content changes or its ConfigSchema goes (`forget`); a pinned one never is, and
 * a lookup answers with it whatever state the ConfigSchema of the same name is in (an edit the
 * operator is about to undo, a deletion pending) or `compile` is asked for the same content. `onReady(name)` is called each time a schema becomes
 * Ready (after being absent or not Ready), so entries that waited for it are queued.
 */
import { schemaNameOf } from '../api/names.ts';
import { canonicalJson } from '../domain/canonical.ts';
import type { SchemaLookup } from '../domain/validate.ts';
import type { Compiled, CompiledSchema, JsonSchema, SchemaEngine } from '../schemas/engine/engine.ts';
import type { EmbeddedConfigSchema } from '../schemas/embedded-config-schemas.ts';
import { lookupSchema } from '../schemas/index.ts';

export class EmbeddedSchemaRefusedError extends Error {
  override name = 'EmbeddedSchemaRefusedError';
}

export type { SchemaLookup } from '../domain/validate.ts';

interface Pinned {
  readonly content: string;
  readonly compiled: Compiled;
  readonly schema: CompiledSchema;
}

interface Slot {
  readonly content: string;
  readonly compiled: Compiled;
  ready: boolean;
}

export class SchemaRegistry {
  private readonly engine: SchemaEngine;
  private readonly onReady: (name: string) => void;
  private readonly slots = new Map<string, Slot>();
  private readonly pinned = new Map<string, Pinned>();
  private readonly notReady = new Map<string, string>();

  constructor(engine: SchemaEngine, onReady: (name: string) => void) {
    this.engine = engine;
    this.onReady = onReady;
  }

  /**
   * Compiles an embedded version once, for good: every lookup of `id` answers with it. Returns the
   * compilation; a refusal is not pinned (the caller fails start-up).
   */
  pin(id: string, openAPIV3Schema: JsonSchema): Compiled {
    const compiled = this.engine.compile(openAPIV3Schema);
    if (compiled.ok) this.pinned.set(id, { content: canonicalJson(openAPIV3Schema), compiled, schema: compiled.schema });
    return compiled;
  }

  /**
   * Pins every embedded version the engine judges (all but a `notStructural` one, which zod judges):
   * entries of them are judged by the engine from then on, whatever happens to their ConfigSchema
   * objects. Unknown fields are pruned, as for a declared schema and as a CRD with the schema does
   * (docs/design-notes.md, "Unknown fields"): one verdict whatever the schema, and the admission
   * policy, which cannot refuse them, never accepts what the commit refuses. Throws EmbeddedSchemaRefusedError when
   * the engine refuses one: a build defect (the unit tests compile every version) that must not let
   * an operator judge embedded data by zod behind the engine's back.
   */
  pinEmbedded(embedded: ReadonlyMap<string, EmbeddedConfigSchema>): void {
    for (const [name, object] of embedded) {
      for (const version of object.spec.versions) {
        const id = `${name}@${version.name}`;
        if (lookupSchema(id)?.notStructural !== undefined) continue;
        const compiled = this.pin(id, version.schema.openAPIV3Schema);
        if (!compiled.ok) throw new EmbeddedSchemaRefusedError(`the schema engine refuses the embedded schema ${id}: ${compiled.problems.map((p) => p.message).join('; ')}`);
      }
    }
  }

  /** Compiles `openAPIV3Schema` for `id`, reusing the last compilation (or the pinned one) when the content is the same. */
  compile(id: string, openAPIV3Schema: JsonSchema): Compiled {
    const content = canonicalJson(openAPIV3Schema);
    const pin = this.pinned.get(id);
    if (pin?.content === content) return pin.compiled;
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
    const pin = this.pinned.get(id);
    if (pin !== undefined) return { kind: 'ready', schema: pin.schema };
    const slot = this.slots.get(id);
    if (slot?.ready && slot.compiled.ok) return { kind: 'ready', schema: slot.compiled.schema };
    const name = schemaNameOf(id);
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
