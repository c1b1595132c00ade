import { describe, expect, it } from 'vitest';
import type { ConfigBundle } from '../../../src/api/config-bundle.ts';
import { addUses, mergeUsers, ofKind, schemaIdsOfBundle, schemaNamesWhoseUseChanged } from '../../../src/controller/schema-users.ts';

function bundle(schemas: string[], deleting = false): ConfigBundle {
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ConfigBundle',
    metadata: { name: 'kit', namespace: 'shop', uid: 'u', ...(deleting ? { deletionTimestamp: '2026-11-29T00:00:00Z' } : {}) },
    spec: { deletionPolicy: 'Delete', driftPolicy: 'Correct', members: schemas.map((schema, i) => ({ key: `k${i}`, schema, data: {} })) },
  } as ConfigBundle;
}

describe('which schemas a bundle uses', () => {
  it('every id its members name, once', () => {
    expect([...schemaIdsOfBundle(bundle(['pay@v1', 'pay@v1', 'database@v1']))].sort()).toEqual(['database@v1', 'pay@v1']);
    expect(schemaIdsOfBundle(undefined).size).toBe(0);
  });

  const cases: [string, ConfigBundle | undefined, ConfigBundle | undefined, string[]][] = [
    ['created', undefined, bundle(['pay@v1', 'database@v1']), ['database', 'pay']],
    ['unchanged ids (data edits)', bundle(['pay@v1']), bundle(['pay@v1']), []],
    ['a member moved to another version', bundle(['pay@v1', 'database@v1']), bundle(['pay@v2', 'database@v1']), ['pay']],
    ['a member added', bundle(['pay@v1']), bundle(['pay@v1', 'limits@v1']), ['limits']],
    ['a member removed, another of the same id kept', bundle(['pay@v1', 'pay@v1']), bundle(['pay@v1']), []],
    ['deletion started', bundle(['pay@v1']), bundle(['pay@v1'], true), ['pay']],
    ['already being deleted (a finalizer change)', bundle(['pay@v1'], true), bundle(['pay@v1'], true), []],
    ['gone', bundle(['pay@v1', 'database@v1'], true), undefined, ['database', 'pay']],
    ['a malformed id is no schema name', undefined, bundle(['nonsense']), []],
  ];
  it.each(cases)('use changed when %s', (_name, before, after, names) => {
    expect([...schemaNamesWhoseUseChanged(before, after)].sort()).toEqual(names);
  });
});

describe('users by version', () => {
  it('adds a user once per version of the named schema, ignoring other schemas', () => {
    const users = new Map<string, string[]>();
    addUses(users, 'pay', ['pay@v1', 'pay@v2', 'database@v1'], 'ConfigBundle shop/kit');
    addUses(users, 'pay', ['pay@v1'], 'ConfigBundle shop/kit');
    expect(Object.fromEntries(users)).toEqual({ v1: ['ConfigBundle shop/kit'], v2: ['ConfigBundle shop/kit'] });
  });

  it('merges entries (named by kind) and bundles', () => {
    const entries = ofKind('ConfigEntry', new Map([['v1', ['shop/a']]]));
    const bundles = new Map([['v1', ['ConfigBundle shop/kit']], ['v2', ['ConfigBundle shop/other']]]);
    expect(Object.fromEntries(mergeUsers(entries, bundles))).toEqual({ v1: ['ConfigEntry shop/a', 'ConfigBundle shop/kit'], v2: ['ConfigBundle shop/other'] });
  });
});
