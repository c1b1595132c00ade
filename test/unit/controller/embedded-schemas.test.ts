/**
 * The embedded schemas in the operator: their versions pinned in the registry (always Ready, whatever
 * happens to the ConfigSchema objects of the same name), and the objects kept as embedded (created
 * when absent, restored when edited, left alone while being deleted). Recording fakes for the writer
 * and the engine.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ConfigSchema } from '../../../src/api/config-schema.ts';
import { isAsEmbedded, keepEmbedded } from '../../../src/controller/keep-embedded.ts';
import { SchemaRegistry } from '../../../src/controller/schema-registry.ts';
import type { SchemaWriter } from '../../../src/controller/schema-ports.ts';
import type { Compiled, SchemaEngine } from '../../../src/schemas/engine/engine.ts';
import { embeddedConfigSchemas, type EmbeddedConfigSchema } from '../../../src/schemas/embedded-config-schemas.ts';

const log = pino({ level: 'silent' });
const database = embeddedConfigSchemas().get('database') as EmbeddedConfigSchema;

/** The object as the apiserver serves it back: the same spec and labels, plus what it adds. */
function served(object: EmbeddedConfigSchema, change: (o: ConfigSchema) => void = () => {}): ConfigSchema {
  const copy = structuredClone({ ...object, metadata: { ...object.metadata, uid: 'u1', resourceVersion: '7', generation: 1 } }) as unknown as ConfigSchema;
  change(copy);
  return copy;
}

class RecordingWriter implements SchemaWriter {
  readonly calls: string[] = [];
  patchStatus(): Promise<ConfigSchema> {
    throw new Error('not expected');
  }
  setFinalizers(): Promise<ConfigSchema> {
    throw new Error('not expected');
  }
  createEmbedded(object: EmbeddedConfigSchema): Promise<ConfigSchema> {
    this.calls.push(`create ${object.metadata.name}`);
    return Promise.resolve(served(object));
  }
  restoreEmbedded(object: EmbeddedConfigSchema, resourceVersion: string): Promise<ConfigSchema> {
    this.calls.push(`restore ${object.metadata.name} at ${resourceVersion}`);
    return Promise.resolve(served(object));
  }
}

describe('keepEmbedded', () => {
  it('creates the ConfigSchema of an embedded schema when it is absent', async () => {
    const writer = new RecordingWriter();
    expect(await keepEmbedded(undefined, database, writer, log)).toBe(true);
    expect(writer.calls).toEqual(['create database']);
  });

  it('writes nothing when the object says what the operator embeds', async () => {
    const writer = new RecordingWriter();
    expect(await keepEmbedded(served(database), database, writer, log)).toBe(false);
    expect(writer.calls).toEqual([]);
  });

  it.each([
    ['a version added by someone else', (o: ConfigSchema) => o.spec.versions.push({ ...o.spec.versions[0]!, name: 'v9' })],
    ['a version unserved', (o: ConfigSchema) => (o.spec.versions[0]!.served = false)],
    ['the description changed', (o: ConfigSchema) => (o.spec.description = 'mine now')],
    ['the label removed', (o: ConfigSchema) => (o.metadata.labels = {})],
  ])('restores the object, at the resourceVersion it read, after %s', async (_, change) => {
    const writer = new RecordingWriter();
    const edited = served(database, change);
    expect(isAsEmbedded(edited, database)).toBe(false);
    expect(await keepEmbedded(edited, database, writer, log)).toBe(true);
    expect(writer.calls).toEqual(['restore database at 7']);
  });

  it('leaves an object being deleted alone (the finalizer decides; it is created again once gone)', async () => {
    const writer = new RecordingWriter();
    const deleting = served(database, (o) => {
      o.metadata.deletionTimestamp = '2030-01-01T00:00:00Z';
      o.spec.description = 'edited';
    });
    expect(await keepEmbedded(deleting, database, writer, log)).toBe(false);
    expect(writer.calls).toEqual([]);
  });
});

describe('SchemaRegistry: pinned embedded versions', () => {
  function countingEngine(): SchemaEngine & { compiles: number } {
    const engine = {
      compiles: 0,
      compile(): Compiled {
        engine.compiles++;
        return { ok: true, schema: { validate: () => ({ ok: true, value: null, warnings: [] }), release: () => {} } };
      },
    };
    return engine;
  }
  const schema = { type: 'object' };

  it('answers a pinned id as Ready, whatever the ConfigSchema of that name is doing', () => {
    const registry = new SchemaRegistry(countingEngine(), () => {});
    registry.pin('database@v1', schema);
    registry.setNotReady('database', 'being edited');
    registry.forget('database');
    expect(registry.lookup('database@v1')).toMatchObject({ kind: 'ready' });
  });

  it('reuses the pinned compilation when the ConfigSchema asks to compile the same content', () => {
    const engine = countingEngine();
    const registry = new SchemaRegistry(engine, () => {});
    const pinned = registry.pin('database@v1', schema);
    expect(registry.compile('database@v1', { ...schema })).toBe(pinned);
    expect(engine.compiles).toBe(1);
  });

  it('compiles an edited content apart, and keeps answering lookups with the pinned one', () => {
    const engine = countingEngine();
    const registry = new SchemaRegistry(engine, () => {});
    const pinned = registry.pin('database@v1', schema);
    expect(registry.compile('database@v1', { type: 'object', maxProperties: 1 })).not.toBe(pinned);
    registry.setReady('database', ['v1']);
    expect(registry.lookup('database@v1')).toEqual({ kind: 'ready', schema: pinned.ok ? pinned.schema : undefined });
  });
});
