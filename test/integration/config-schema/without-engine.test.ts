/**
 * An operator without the schema engine (`--schema-engine-file=` empty: what the chart's
 * `operator.schemaEngineFile: ""` sets) does not ignore declared schemas silently: it says so at
 * start-up, and an entry naming a schema no embedded one has is Stalled (UnknownSchema: unknown to
 * it) with a message naming the missing engine and the flag, and writes nothing. It writes no ConfigSchema
 * status (another operator, with the engine, may own them).
 */
import { describe, expect, it } from 'vitest';
import { SCHEMA_ENGINE_OFF } from '../../../src/schema-wiring.ts';
import { withOperator } from '../../support/fixture.ts';

describe('an operator without the schema engine', () => {
  const f = withOperator('no-engine', ['--schema-engine-file=']);

  it('says so at start-up, in a warning', () => {
    const line = f.operator.logs().split('\n').find((l) => l.includes(SCHEMA_ENGINE_OFF));
    expect(line).toBeDefined();
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'warn' });
  });

  it('stalls an entry naming a declared schema, UnknownSchema, with a message naming the missing engine, and writes nothing', async () => {
    await f.entries.create('declared', { schema: 'payments@v1', key: 'declared', data: { currency: 'EUR' } });
    const stalled = await f.entries.waitFor('declared', 'Stalled UnknownSchema', (e) => e.status?.conditions?.some((c) => c.type === 'Stalled' && c.reason === 'UnknownSchema') === true);
    const message = stalled.status?.conditions?.find((c) => c.type === 'Stalled')?.message ?? '';
    expect(message).toContain('"payments@v1"');
    expect(message).toContain('without the schema engine');
    expect(message).toContain('--schema-engine-file');
    expect(await f.store.get(`${f.prefix}/data/${f.namespace}/declared`)).toBeUndefined();
  });
});
