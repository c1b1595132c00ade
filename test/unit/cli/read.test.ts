import { describe, expect, it } from 'vitest';
import { NotFoundError, UnavailableError } from '../../../src/client/index.ts';
import { CliError, EXIT } from '../../../src/cli/exit-codes.ts';
import { asCliError, parseEntryName } from '../../../src/cli/reader.ts';
import { changeRows, connectionLines } from '../../../src/cli/read/watch.ts';
import { embeddedTypesModule } from '../../../src/cli/read/types.ts';

describe('entry names on the command line', () => {
  const cases: [string, boolean, { namespace: string; key: string } | RegExp][] = [
    ['shop/checkout/db', true, { namespace: 'shop', key: 'checkout/db' }],
    ['shop/db', true, { namespace: 'shop', key: 'db' }],
    ['shop', false, { namespace: 'shop', key: '' }],
    ['shop/checkout/', false, { namespace: 'shop', key: 'checkout/' }],
    ['shop', true, /name an entry as NAMESPACE\/KEY/],
    ['/db', true, /a namespace comes first/],
  ];
  for (const [text, keyRequired, expected] of cases) {
    it(`${JSON.stringify(text)}${keyRequired ? ' (key required)' : ''}`, () => {
      if (expected instanceof RegExp) expect(() => parseEntryName(text, keyRequired)).toThrow(expected);
      else expect(parseEntryName(text, keyRequired)).toEqual(expected);
    });
  }
});

describe('client errors as exit codes', () => {
  it('NotFound is 4, a RangeError (a bad key) is a usage error, anything else passes through', () => {
    expect((asCliError(new NotFoundError('x: no value')) as CliError).exitCode).toBe(EXIT.notFound);
    expect((asCliError(new NotFoundError('x: no value')) as CliError).message).toBe('NotFound: x: no value');
    expect((asCliError(new RangeError('bad key')) as CliError).exitCode).toBe(EXIT.usage);
    const other = new Error('other');
    expect(asCliError(other)).toBe(other);
  });
});

describe('watch rows', () => {
  const entry = { namespace: 'shop', key: 'db', value: { port: 1 }, revision: '7', generation: 1, schema: 'database@v1', dataHash: 'sha256:x' };
  const cases: [string, Parameters<typeof changeRows>[0], string[][]][] = [
    ['a put', { type: 'put', revision: '7', entry }, [['7', 'put', 'shop/db', 'database@v1', '{"port":1}']]],
    ['a delete', { type: 'delete', revision: '8', namespace: 'shop', key: 'db' }, [['8', 'delete', 'shop/db', '', '']]],
    ['a resync', { type: 'resync', revision: '9', reason: 'initial', snapshot: { revision: '9', entries: [entry], rejected: [] } }, [['9', 'resync', '(initial: 1 values, 0 rejected)', '', ''], ['7', 'value', 'shop/db', 'database@v1', '{"port":1}']]],
  ];
  for (const [what, change, rows] of cases) it(what, () => expect(changeRows(change)).toEqual(rows));
});

describe('types of an embedded schema', () => {
  it('re-exports cairn/client\'s own type and ValueSchema under the generated names', () => {
    const module = embeddedTypesModule('service-endpoints@v1', 'cairn/client');
    expect(module).toContain("import { serviceEndpoints, type ServiceEndpoints } from 'cairn/client';");
    expect(module).toContain('export type ServiceEndpointsV1 = ServiceEndpoints;');
    expect(module).toContain('export function isServiceEndpointsV1(value: unknown): value is ServiceEndpointsV1 {');
  });
});

describe('watch lines while etcd is away', () => {
  it('one line when the watch loses etcd and one when it is back, whatever the number of retries in between; again for the next loss', () => {
    const lines: string[] = [];
    const connection = connectionLines((text) => lines.push(text));
    const failure = new UnavailableError('watch /cairn/data/shop/: connect ECONNREFUSED');
    connection.back(); // nothing was lost: nothing to say
    for (let i = 0; i < 3; i++) connection.lost(failure);
    connection.back();
    connection.back();
    connection.lost(failure);
    expect(lines).toEqual([
      'cairn: watch: lost etcd (Unavailable: watch /cairn/data/shop/: connect ECONNREFUSED); retrying until it is back\n',
      'cairn: watch: etcd is back; the watch goes on from where it was\n',
      'cairn: watch: lost etcd (Unavailable: watch /cairn/data/shop/: connect ECONNREFUSED); retrying until it is back\n',
    ]);
  });
});
