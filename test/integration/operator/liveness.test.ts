/**
 * Liveness reflects leadership: a replica that holds the Lease but cannot fence etcd (here: etcd is
 * cut off from it) answers /healthz with 500 once it has been so for four Lease durations, so the
 * kubelet restarts it and another replica may lead; once it fences, /healthz is 200 again.
 *
 * The replica loses the Lease to a "ghost" holder (a Lease record changed by hand, never renewed)
 * while etcd is cut off, and takes it back when the ghost's Lease expires: a fresh epoch whose
 * takeover cannot acquire the fence.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlane, uniqueName } from '../../support/cluster.ts';
import { Entries } from '../../support/entries.ts';
import { eventually } from '../../support/fixture.ts';
import { type RunningOperator, startOperator } from '../../support/operator.ts';
import { TcpProxy } from '../etcd/tcp-proxy.ts';

const LEADER = 'leader_election_master_status{name="configentry"}';
const LEASE_SECONDS = 3;

describe('liveness', () => {
  const namespace = uniqueName('liveness');
  const prefix = `/${uniqueName('liveness')}`;
  const entries = new Entries(namespace);
  const identity = uniqueName('liveness-replica');
  let proxy: TcpProxy;
  let operator: RunningOperator;

  beforeAll(async () => {
    await entries.createNamespace();
    proxy = await TcpProxy.start(controlPlane().storeEndpoints[0] as string);
    const args = ['--leader-elect', `--lease-namespace=${namespace}`, '--lease-name=cairn', `--lease-duration-seconds=${LEASE_SECONDS}`, '--renew-deadline-seconds=2', '--retry-period-seconds=0.5', `--identity=${identity}`];
    operator = await startOperator({ namespace, prefix, storeEndpoints: [proxy.url], args });
  });
  afterAll(async () => {
    await operator.stop();
    await proxy.stop();
    await entries.deleteNamespace();
  });

  async function healthz(): Promise<{ status: number; body: string }> {
    const response = await fetch(`${operator.metricsUrl}/healthz`);
    return { status: response.status, body: await response.text() };
  }

  it('fails /healthz while the replica holds the Lease without a fence, and recovers once it fences', async () => {
    await eventually('the replica to lead', async () => ((await operator.metric(LEADER)) === 1 ? true : undefined));
    expect((await healthz()).status).toBe(200);

    proxy.partition();
    const cp = controlPlane();
    execFileSync(cp.kubectl, ['--kubeconfig', cp.kubeconfig, '-n', namespace, 'patch', 'lease', 'cairn', '--type=merge', '-p', '{"spec":{"holderIdentity":"ghost"}}'], { stdio: 'pipe' });
    await eventually('the replica to step down', async () => ((await operator.metric(LEADER)) === 0 ? true : undefined));
    await eventually('the replica to hold the Lease again', async () => (holder(namespace) === identity ? true : undefined));

    const failing = await eventually('/healthz to fail', async () => {
      const answer = await healthz();
      return answer.status === 500 ? answer : undefined;
    }, 60_000);
    expect(failing.body).toMatch(/leadership: held the lease for \d+s without a fence/);
    expect(await operator.metric(LEADER)).toBe(0);

    proxy.heal();
    await eventually('the replica to fence', async () => ((await operator.metric(LEADER)) === 1 ? true : undefined), 30_000);
    expect((await healthz()).status).toBe(200);
  }, 150_000);
});

function holder(namespace: string): string {
  const cp = controlPlane();
  return execFileSync(cp.kubectl, ['--kubeconfig', cp.kubeconfig, '-n', namespace, 'get', 'lease', 'cairn', '-o', 'jsonpath={.spec.holderIdentity}'], { encoding: 'utf8' });
}
