/** Which entries claim which data key: routes a drift-watch event to every claimant. */
import { describe, expect, it } from 'vitest';
import { KeyIndex } from '../../../src/controller/key-index.ts';

const K1 = '/cairn/data/shop/db';
const K2 = '/cairn/data/shop/cache';

type Step = ['set', string, string | undefined] | ['remove', string];

function run(steps: readonly Step[]): KeyIndex {
  const index = new KeyIndex();
  for (const step of steps) {
    if (step[0] === 'set') index.set(step[1], step[2]);
    else index.remove(step[1]);
  }
  return index;
}

describe('KeyIndex', () => {
  it.each<[string, Step[], Record<string, string[]>]>([
    ['one entry claims its key', [['set', 'shop/a', K1]], { [K1]: ['shop/a'], [K2]: [] }],
    ['two entries claiming one key are both listed', [['set', 'shop/a', K1], ['set', 'shop/b', K1]], { [K1]: ['shop/a', 'shop/b'] }],
    ['setting the same claim twice lists it once', [['set', 'shop/a', K1], ['set', 'shop/a', K1]], { [K1]: ['shop/a'] }],
    ['a new key moves the claim', [['set', 'shop/a', K1], ['set', 'shop/a', K2]], { [K1]: [], [K2]: ['shop/a'] }],
    ['an undefined key (invalid spec.key) drops the claim', [['set', 'shop/a', K1], ['set', 'shop/a', undefined]], { [K1]: [] }],
    ['an undefined key for an unknown entry claims nothing', [['set', 'shop/a', undefined]], { [K1]: [], [K2]: [] }],
    ['remove drops the claim and keeps the other claimant', [['set', 'shop/a', K1], ['set', 'shop/b', K1], ['remove', 'shop/a']], { [K1]: ['shop/b'] }],
    ['removing an entry that claims nothing changes nothing', [['set', 'shop/a', K1], ['remove', 'shop/zzz']], { [K1]: ['shop/a'] }],
    ['a removed entry can claim again', [['set', 'shop/a', K1], ['remove', 'shop/a'], ['set', 'shop/a', K1]], { [K1]: ['shop/a'] }],
  ])('%s', (_, steps, expected) => {
    const index = run(steps);
    for (const [dataKey, claimants] of Object.entries(expected)) expect([...index.claimants(dataKey)].sort()).toEqual(claimants);
  });

  it('returns a copy: changing it does not change the index', () => {
    const index = run([['set', 'shop/a', K1]]);
    (index.claimants(K1) as string[]).push('shop/x');
    expect(index.claimants(K1)).toEqual(['shop/a']);
  });
});

describe('KeyIndex: a bundle claims one key per member', () => {
  it('claims several keys, moves to a new set, and drops them all on remove', () => {
    const index = new KeyIndex();
    const claimed: string[] = [];
    const watching = new KeyIndex((k) => claimed.push(k));
    for (const i of [index, watching]) i.set('ConfigBundle:shop/b', [K1, K2]);
    expect(index.claimants(K1)).toEqual(['ConfigBundle:shop/b']);
    expect(index.claimants(K2)).toEqual(['ConfigBundle:shop/b']);
    watching.set('ConfigBundle:shop/b', [K2, '/cairn/data/shop/new']);
    expect(claimed).toEqual([K1, K2, '/cairn/data/shop/new']);
    expect(watching.isClaimed(K1)).toBe(false);
    index.set('shop/entry', K1);
    index.remove('ConfigBundle:shop/b');
    expect(index.claimants(K1)).toEqual(['shop/entry']);
    expect(index.isClaimed(K2)).toBe(false);
  });

  it('a key named twice by one bundle is claimed once, and a second claimant of a bundle key is listed beside it', () => {
    const claimed: string[] = [];
    const index = new KeyIndex((k) => claimed.push(k));
    index.set('ConfigBundle:shop/b', [K1, K1]);
    index.set('shop/entry', K1);
    expect(claimed).toEqual([K1]);
    expect([...index.claimants(K1)].sort()).toEqual(['ConfigBundle:shop/b', 'shop/entry']);
    index.set('ConfigBundle:shop/b', [K2]);
    expect(index.claimants(K1)).toEqual(['shop/entry']);
    index.set('ConfigBundle:shop/b', []);
    expect(index.isClaimed(K2)).toBe(false);
    expect(index.claimants(K1)).toEqual(['shop/entry']);
  });
});
