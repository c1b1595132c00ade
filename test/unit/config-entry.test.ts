import { describe, expect, it } from 'vitest';
import { parseConfigEntry } from '../../src/api/config-entry.ts';
import { REASONS } from '../../src/api/conditions.ts';

const object = {
  apiVersion: 'cairn.dev/v1alpha1',
  kind: 'ConfigEntry',
  metadata: { name: 'x', namespace: 'shop', uid: 'u', generation: 1, managedFields: [] },
  spec: { schema: 'database@v1', data: { host: 'h' } },
};

describe('parseConfigEntry', () => {
  it('applies the policy defaults and keeps unknown metadata', () => {
    const result = parseConfigEntry(object);
    expect(result).toMatchObject({ ok: true, entry: { spec: { deletionPolicy: 'Delete', driftPolicy: 'Correct' }, metadata: { managedFields: [] } } });
  });

  it('leaves key and schema syntax to the domain, which reports them precisely', () => {
    expect(parseConfigEntry({ ...object, spec: { ...object.spec, key: '../x', schema: 'Nope' } }).ok).toBe(true);
  });

  it('names the field when the shape is wrong', () => {
    expect(parseConfigEntry({ ...object, spec: { schema: 'database@v1', data: 'x', driftPolicy: 'Ignore' } })).toEqual({
      ok: false,
      message: 'spec.data: Invalid input: expected record, received string; spec.driftPolicy: Invalid option: expected one of "Correct"|"Report"',
    });
  });

  it('lists each reason once, in CamelCase', () => {
    expect(new Set(REASONS).size).toBe(REASONS.length);
    for (const reason of REASONS) expect(reason).toMatch(/^[A-Z][A-Za-z]+$/);
  });
});
