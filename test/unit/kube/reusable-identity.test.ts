/** Which kubeconfig users PooledKubeConfig may reuse an authentication for: static or token-file credentials only. */
import type { User } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isReusableIdentity } from '../../../src/kube/kube-config.ts';

describe('isReusableIdentity', () => {
  const cases: ReadonlyArray<readonly [string, User | null, boolean]> = [
    ['no user', null, false],
    ['a static bearer token', { name: 'u', token: 't' }, true],
    ['a client certificate', { name: 'u', certData: 'c', keyData: 'k' }, true],
    ['basic auth', { name: 'u', username: 'a', password: 'b' }, true],
    ['a token file (in-cluster)', { name: 'u', authProvider: { name: 'tokenFile', config: { tokenFile: '/var/run/token' } } }, true],
    ['a token-file provider without a file', { name: 'u', authProvider: { name: 'tokenFile', config: {} } }, false],
    ['an exec plugin (its credential expires)', { name: 'u', exec: { command: 'aws' } }, false],
    ['an OIDC provider', { name: 'u', authProvider: { name: 'oidc', config: { 'id-token': 'x' } } }, false],
    ['a token and an exec plugin', { name: 'u', token: 't', exec: { command: 'x' } }, false],
  ];
  it.each(cases)('%s → %s', (_, user, expected) => {
    expect(isReusableIdentity(user)).toBe(expected);
  });
});
