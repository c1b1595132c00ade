import { describe, expect, it } from 'vitest';
import { formatBundle } from '../../../src/cli/read/get.ts';

describe('cairn get --bundle, as a table', () => {
  it('the bundle in one row, one row per member, then each value as YAML under its key', () => {
    const member = (key: string, host: string) => ({ namespace: 'shop', key, value: { host }, revision: '41', generation: 3, schema: 'database@v1', dataHash: `sha256:${key.length}` });
    const text = formatBundle({ namespace: 'shop', name: 'checkout', generation: 3, revision: '41', readAt: '45', members: [member('checkout/db', 'db'), member('checkout/replica', 'replica')] });
    expect(text.split('\n')).toEqual([
      'NAMESPACE   BUNDLE     GENERATION   REVISION   READ AT   MEMBERS',
      'shop        checkout   3            41         45        2',
      '',
      'KEY                SCHEMA        REVISION   DATA HASH',
      'checkout/db        database@v1   41         sha256:11',
      'checkout/replica   database@v1   41         sha256:16',
      '',
      '--- checkout/db',
      'host: db',
      '--- checkout/replica',
      'host: replica',
      '',
    ]);
  });
});
