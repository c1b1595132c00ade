import { describe, expect, it } from 'vitest';
import { typeCheckOf } from '../../src/domain/policy-type-check.ts';

const VALIDATIONS = [{ message: 'spec.data.port: must be of type integer' }, { messageExpression: "'x'" }];

function policy(generation: number | undefined, status: unknown): unknown {
  return { metadata: { name: 'p', ...(generation === undefined ? {} : { generation }) }, spec: { validations: VALIDATIONS }, ...(status === undefined ? {} : { status }) };
}

const WARNING = { fieldRef: 'spec.validations[0].expression', warning: "apiVersion=cairn.dev/v1alpha1, kind=ConfigEntry: ERROR: <input>:1:20: undefined field 'port'\n" };

describe('typeCheckOf: where the status controller type check of the applied policy stands', () => {
  const cases: [string, unknown, ReturnType<typeof typeCheckOf>][] = [
    ['no status: not type-checked (yet)', policy(1, undefined), { kind: 'notYet' }],
    ['a status of an older generation, even with warnings: not about this content', policy(3, { observedGeneration: 2, typeChecking: { expressionWarnings: [WARNING] } }), { kind: 'notYet' }],
    ['no generation on the answer: nothing can be said', policy(undefined, { observedGeneration: 2, typeChecking: {} }), { kind: 'notYet' }],
    ['observed, no warnings', policy(2, { observedGeneration: 2, typeChecking: {} }), { kind: 'clean' }],
    ['observed, an empty warning list', policy(2, { observedGeneration: 2, typeChecking: { expressionWarnings: [] } }), { kind: 'clean' }],
    [
      'observed with a warning: the expression, the check it belongs to (its static message) and the warning',
      policy(2, { observedGeneration: 2, typeChecking: { expressionWarnings: [WARNING] } }),
      { kind: 'warns', warnings: [`spec.validations[0].expression (the check "spec.data.port: must be of type integer"): ${WARNING.warning.trim()}`] },
    ],
    [
      'a warning on a validation with a message expression only: the expression alone',
      policy(2, { observedGeneration: 2, typeChecking: { expressionWarnings: [{ fieldRef: 'spec.validations[1].messageExpression', warning: 'w' }] } }),
      { kind: 'warns', warnings: ['spec.validations[1].messageExpression: w'] },
    ],
    ['not an object at all', 'nonsense', { kind: 'notYet' }],
  ];
  for (const [what, object, expected] of cases) it(what, () => expect(typeCheckOf(object)).toEqual(expected));
});
