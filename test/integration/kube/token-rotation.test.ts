/**
 * Authentication reuse (PooledKubeConfig) against the real apiserver with a token file, as in-cluster:
 * requests authenticate with the file's token, and after the file is rotated they authenticate with
 * the new token once client-node's re-read period and our reuse window have passed. Who the apiserver
 * saw is its own answer (a SelfSubjectReview), independent of the code under test. Only Date is faked
 * (to pass the 60 s re-read period without waiting); the requests are real.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendJson } from '../../../src/kube/json-request.ts';
import { AUTH_REUSE_MS, CLIENT_NODE_TOKEN_REREAD_MS, PooledKubeConfig } from '../../../src/kube/kube-config.ts';
import { CA_CERT_FILE } from '../../../tools/controlplane/mint-user.ts';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';

describe('PooledKubeConfig with a rotating token file', () => {
  const namespace = uniqueName('token');
  const entries = new Entries(namespace);
  const cp = controlPlane();
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'cairn-token-')), 'token');
  const kubeConfig = new PooledKubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'test', server: cp.apiServerUrl, caFile: join(cp.dir, CA_CERT_FILE) }],
    users: [{ name: 'sa', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'test', cluster: 'test', user: 'sa' }],
    currentContext: 'test',
  });

  function kubectl(...args: string[]): string {
    return execFileSync(cp.kubectl, ['--kubeconfig', cp.kubeconfig, ...args], { encoding: 'utf8' }).trim();
  }

  async function whoAmI(): Promise<string> {
    const review = (await sendJson(kubeConfig, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    })) as { status: { userInfo: { username: string } } };
    return review.status.userInfo.username;
  }

  beforeAll(async () => {
    await entries.createNamespace();
    kubectl('create', 'serviceaccount', 'first', '-n', namespace);
    kubectl('create', 'serviceaccount', 'second', '-n', namespace);
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await entries.deleteNamespace();
    await kubeConfig.close();
  });

  it('authenticates with the rotated token once the re-read period and the reuse window have passed', async () => {
    writeFileSync(tokenFile, kubectl('create', 'token', 'first', '-n', namespace, '--duration=1h'));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    expect(await whoAmI()).toBe(`system:serviceaccount:${namespace}:first`);
    expect(await whoAmI()).toBe(`system:serviceaccount:${namespace}:first`);

    writeFileSync(tokenFile, kubectl('create', 'token', 'second', '-n', namespace, '--duration=1h'));
    vi.setSystemTime(Date.now() + CLIENT_NODE_TOKEN_REREAD_MS + AUTH_REUSE_MS + 1_000);
    expect(await whoAmI()).toBe(`system:serviceaccount:${namespace}:second`);
  });
});
