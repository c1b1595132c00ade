/**
 * Liveness says whether a restart would help, and etcd being unreachable is not such a case: a
 * replica that holds the Lease but whose fence attempts etcd cannot serve (here: etcd is cut off from
 * it) keeps answering /healthz with 200 past four Lease durations, the bound after which a replica
 * that could fence but does not is restarted (that bound is unit-tested in
 * test/unit/controller/leadership.test.ts). Restarting it would only move the Lease to a replica
 * that cannot reach etcd either. Once etcd is back it fences and leads.
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

  it('keeps /healthz at 200 while the replica holds the Lease but etcd is cut off, and leads once etcd is back', async () => {
    await eventually('the replica to lead', async () => ((await operator.metric(LEADER)) === 1 ? true : undefined));
    expect((await healthz()).status).toBe(200);

    proxy.partition();
    const cp = controlPlane();
    execFileSync(cp.kubectl, ['--kubeconfig', cp.kubeconfig, '-n', namespace, 'patch', 'lease', 'cairn', '--type=merge', '-p', '{"spec":{"holderIdentity":"ghost"}}'], { stdio: 'pipe' });
    await eventually('the replica to step down', async () => ((await operator.metric(LEADER)) === 0 ? true : undefined));
    await eventually('the replica to hold the Lease again', async () => (holder(namespace) === identity ? true : undefined));

    // Watch /healthz for six Lease durations (the stall bound is four) while the takeover keeps failing.
    const failures: string[] = [];
    for (const end = Date.now() + 6 * LEASE_SECONDS * 1000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const answer = await healthz();
      if (answer.status !== 200) failures.push(`${answer.status}: ${answer.body}`);
    }
    expect(failures).toEqual([]);
    expect(holder(namespace)).toBe(identity);
    expect(await operator.metric(LEADER)).toBe(0);
    expect(operator.logs()).toContain('could not acquire the fence; retrying');

    proxy.heal();
    await eventually('the replica to fence', async () => ((await operator.metric(LEADER)) === 1 ? true : undefined), 30_000);
    expect((await healthz()).status).toBe(200);
  }, 150_000);
});

function holder(namespace: string): string {
  const cp = controlPlane();
  return execFileSync(cp.kubectl, ['--kubeconfig', cp.kubeconfig, '-n', namespace, 'get', 'lease', 'cairn', '-o', 'jsonpath={.spec.holderIdentity}'], { encoding: 'utf8' });
}
