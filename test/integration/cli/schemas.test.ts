import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { schemaIds } from '../../../src/schemas/index.ts';
import { uniqueName } from '../../support/cluster.ts';
import { apply, configSchema, kubectl } from '../config-schema/support.ts';
import { clusterEnv, runCairn } from './run-cairn.ts';

const SAMPLES = join(import.meta.dirname, '../../../deploy/samples');

describe('cairn schemas and cairn explain', () => {
  const name = uniqueName('cli-schemas');
  afterAll(() => {
    kubectl(['delete', 'configschema', name, '--ignore-not-found', '--wait=false']);
  });

  it('lists the embedded schemas and the cluster\'s declared versions, with where each comes from', async () => {
    expect(apply(configSchema(name, [{ name: 'v1', openAPIV3Schema: { type: 'object', properties: { a: { type: 'integer', description: 'the a' } } } }, { name: 'v2', openAPIV3Schema: { type: 'object' }, deprecated: true }])).stderr).toBe('');
    const run = await runCairn(['schemas', '-o', 'json'], { env: clusterEnv() });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const listed = JSON.parse(run.stdout) as { id: string; source: string; deprecated: boolean }[];
    expect(listed.filter((s) => s.source === 'embedded').map((s) => s.id)).toEqual(schemaIds());
    expect(listed.filter((s) => s.id.startsWith(`${name}@`)).map((s) => [s.id, s.source, s.deprecated])).toEqual([[`${name}@v1`, 'cluster', false], [`${name}@v2`, 'cluster', true]]);
  });

  it('lists declared schemas from manifests offline (-f), as a table', async () => {
    const run = await runCairn(['schemas', '-f', SAMPLES], { env: {} });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]?.split(/\s{3,}/)).toEqual(['ID', 'SOURCE', 'STATE', 'DEPRECATED', 'ENTRIES', 'DESCRIPTION']);
    expect(run.stdout).toMatch(new RegExp(`^payments@v1\\s+${SAMPLES}/01-payments-schema.yaml:\\d+\\s+Declared\\s+Settings of the payments service\\.$`, 'm'));
  });

  it('explains a field of a declared schema from the cluster, and of an embedded one, as kubectl explain does', async () => {
    const declared = await runCairn(['explain', `${name}@v1.a`], { env: clusterEnv() });
    expect([declared.code, declared.stdout]).toEqual([0, `SCHEMA:     ${name}@v1 (cluster)\nFIELD:      a <integer>\n\nDESCRIPTION:\n    the a\n`]);
    const embedded = await runCairn(['explain', 'database@v1.port', '-f', SAMPLES], { env: {} });
    expect(embedded.stdout).toBe('SCHEMA:     database@v1 (embedded)\nFIELD:      port <integer>\n\nDESCRIPTION:\n    TCP port.\n\nCONSTRAINTS:\n    default: 5432; minimum: 1; maximum: 65535\n');
  });

  it('an unknown schema or field exits 4 naming what exists; a malformed target exits 2', async () => {
    const field = await runCairn(['explain', 'database@v1.pool.nope', '-f', SAMPLES], { env: {} });
    expect([field.code, field.stderr]).toEqual([4, 'cairn: database@v1: field "nope" does not exist in pool; its fields: min, max, idleTimeoutSeconds\n']);
    const schema = await runCairn(['explain', 'nothing@v1', '-f', SAMPLES], { env: {} });
    expect(schema.code).toBe(4);
    expect(schema.stderr).toMatch(/^cairn: no schema nothing@v1; known: database@v1, /);
    const bad = await runCairn(['explain', 'database'], { env: {} });
    expect(bad.code).toBe(2);
  });
});
