/**
 * The fast path's cost bound (src/schemas/admission/fast-path-cost.ts) against what the apiserver
 * charges: tools/go/policycost compiles the generated policy with the apiserver's own admission
 * packages (k8s.io/apiserver v0.37.2) and evaluates each match condition for one object as the
 * validating admission plugin does. For worst-case values (longest strings, every optional field,
 * 1 MiB the checks do not read, and failing ones), the fast-path condition must cost at most its
 * bound and never err: an error there (on cost) would deny a valid entry under failurePolicy Fail.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_VERSION, KIND } from '../../../src/api/names.ts';
import { fastPathCostBound } from '../../../src/schemas/admission/fast-path-cost.ts';
import { FAST_PATH_CONDITION } from '../../../src/schemas/admission/fast-path.ts';
import { generateAdmissionPolicy, type KubeObject } from '../../../src/schemas/admission/index.ts';
import { readSchema } from '../../../src/schemas/admission/schema-node.ts';
import { exportOpenAPIV3Schema } from '../../../src/schemas/json-schema.ts';
import { resolveBinary } from '../../../tools/binaries/resolve.ts';
import { loadCorpus } from '../../parity/corpus.ts';

interface Charged {
  readonly perMatch: number[];
  readonly matchResults: string[];
}

const dir = mkdtempSync(join(tmpdir(), 'fast-path-cost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function charged(policy: KubeObject, schemaId: string, data: unknown): Charged {
  const binary = resolveBinary('policycost');
  if (binary === undefined) throw new Error('the policycost binary is not built; run `npm run binaries -- ensure policycost` (npm test does)');
  const policyFile = join(dir, 'policy.json');
  const objectFile = join(dir, 'object.json');
  writeFileSync(policyFile, JSON.stringify(policy));
  writeFileSync(objectFile, JSON.stringify({ apiVersion: API_VERSION, kind: KIND, metadata: { name: 'e', namespace: 'ns' }, spec: { schema: schemaId, data } }));
  return JSON.parse(execFileSync(binary.path, [policyFile, objectFile], { encoding: 'utf8', maxBuffer: 16 << 20 })) as Charged;
}

/** The policy and its fast-path bound, or no bound when the generator gave it no fast path. */
function generated(openAPIV3Schema: unknown): { policy: KubeObject; bound: number | undefined } {
  const result = generateAdmissionPolicy({ name: 'cost', version: 'v1', openAPIV3Schema, owner: { uid: '00000000-0000-0000-0000-000000000000' } });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const read = readSchema(openAPIV3Schema);
  if (!read.ok) throw new Error(JSON.stringify(read.problems));
  const conditions = (result.policy.spec as { matchConditions: { name: string; expression: string }[] }).matchConditions;
  const fast = conditions.find((c) => c.name === FAST_PATH_CONDITION);
  return { policy: result.policy, bound: fast === undefined ? undefined : fastPathCostBound(read.node, fast.expression) };
}

const a = (n: number, c = 'a'): string => c.repeat(n);
// About 1 MiB the checks do not read.
const undeclared = { notes: a(700_000), samples: Array.from({ length: 50_000 }, (_, i) => i) };

describe('the fast-path condition costs at most its bound and never errs (policycost, the apiserver\'s cost rules)', () => {
  const fastPath = loadCorpus().find((s) => s.name === 'fast-path')?.schema;
  // Root maxProperties is 9 of 10 declared fields: the valid values leave one out.
  const everything = { name: a(10), mode: 'c', share: '100%', level: 13, ratio: 2, code: `${a(7, 'A')}Y`, 'a-b': 2 ** 53 - 1, pool: { min: 0, max: 100, label: a(5) }, extra: { tier: 5, ...undeclared }, opt: { x: true, y: a(4, 'y') } };
  const { ratio: _, ...nine } = everything;
  const database = { host: a(253), port: 65535, database: a(63), user: a(63), passwordSecretRef: { name: a(253), key: a(253) }, sslMode: 'verify-full', pool: { min: 1000, max: 1000, idleTimeoutSeconds: 86400 }, timeouts: { connectMs: 600000, statementMs: 86400000 } };

  it.each([
    ['fast-path.json, valid, longest strings, 1 MiB under the preserve-unknown object', fastPath, nine],
    ['fast-path.json, every field (one too many), longest strings', fastPath, everything],
    ['fast-path.json, 1 MiB undeclared at the root and strings past their maxLength', fastPath, { ...nine, ...undeclared, name: a(1_000_000), code: a(1_000_000) }],
    ['database@v1, every field at its largest and 1 MiB undeclared', exportOpenAPIV3Schema('database@v1'), { ...database, ...undeclared }],
    ['database@v1, a host of 1 MiB', exportOpenAPIV3Schema('database@v1'), { ...database, host: a(1_000_000) }],
  ])('%s', (_, schema, data) => {
    const { policy, bound } = generated(schema);
    expect(bound).toBeDefined();
    const cost = charged(policy, 'cost@v1', data);
    expect(cost.matchResults[2]).not.toMatch(/^error/);
    expect(cost.perMatch[2]).toBeLessThanOrEqual(bound as number);
  });

  // A comment that hides code from a lexer that does not know `//`: the bound must see the code, or
  // there must be no fast path.
  it('a rule whose comment would hide calls and comprehensions from the bound', () => {
    const ten = '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]';
    const rule = `self.b == 'x' // '''\n|| ${ten}.all(i, ${ten}.all(j, ${ten}.all(k, self.b.matches('(a|b)*c')))) // '''\n`;
    const schema = { type: 'object', properties: { o: { type: 'object', properties: { b: { type: 'string', maxLength: 100 } }, 'x-kubernetes-validations': [{ rule }] } } };
    const { policy, bound } = generated(schema);
    // Every matches() true (it searches), so no all() stops early: 1,000 of them.
    const cost = charged(policy, 'cost@v1', { o: { b: `${a(99)}c` } });
    if (bound !== undefined) {
      expect(cost.matchResults[2]).not.toMatch(/^error/);
      expect(cost.perMatch[2]).toBeLessThanOrEqual(bound);
    }
  });
});
