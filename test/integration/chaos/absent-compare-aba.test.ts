/**
 * FINDING of the chaos suite (seed 953901, `--faults 10 --duration 60 --rate 15`), now a regression
 * test: a deleted entry's keys came back. A create transaction (compares: fence, meta absent, data
 * absent) sent to an etcd follower that was paused timed out; the operator read etcd, retried,
 * committed (rev 241); the entry was deleted and its keys removed (rev 260); then the follower
 * resumed and the first transaction applied (rev 273): "absent" held again, so the compares passed
 * (ABA), and the keys belonged to an entry that no longer existed (nothing would ever remove them; a
 * new entry naming the key got KeyConflict against a ghost).
 *
 * The fix (controller/leadership.ts `supersede`, called by commit-entry.ts): after an unknown
 * outcome the leader moves its own fence before reading etcd, so the held transaction's fence compare
 * can never hold again. This runs the operator's own commit and delete steps (commitEntry,
 * cleanUpEntry) with the real Leadership and EtcdStore on a real 3-member cluster; only the "reply
 * never came" is staged: the first commit goes to the paused follower, and the step is told its
 * outcome is unknown after a second while the request stays with that member. With the fence move
 * taken out of commit-entry.ts, this test fails: the held transaction applies and the meta is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../../../src/api/config-entry.ts';
import { FINALIZER } from '../../../src/api/names.ts';
import { commitEntry } from '../../../src/controller/commit-entry.ts';
import type { ReconcileDeps } from '../../../src/controller/context.ts';
import { cleanUpEntry } from '../../../src/controller/delete-entry.ts';
import { DriftFight } from '../../../src/controller/drift-fight.ts';
import { Leadership } from '../../../src/controller/leadership.ts';
import type { Fencing } from '../../../src/controller/ports.ts';
import { StoreMirror } from '../../../src/controller/store-mirror.ts';
import { resolveEntryKeys } from '../../../src/domain/entry-keys.ts';
import { fenceKey } from '../../../src/domain/keys.ts';
import type { GuardedTxn, TxnResult } from '../../../src/domain/types.ts';
import { EtcdOutcomeUnknownError } from '../../../src/etcd/errors.ts';
import { EtcdStore } from '../../../src/etcd/store.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { EtcdCluster } from '../../../tools/controlplane/etcd-cluster.ts';
import { controlPlane } from '../../support/cluster.ts';
import { eventually } from '../../support/fixture.ts';

const PREFIX = '/aba';
const dir = mkdtempSync(join(tmpdir(), 'cairn-aba-'));
let cluster: EtcdCluster;

beforeAll(async () => {
  cluster = await EtcdCluster.start({ binary: controlPlane().etcd, dir, name: 'aba', members: 3, pidFile: join(dir, 'pids') });
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function leaderIndex(): Promise<number> {
  const statuses = await Promise.all(cluster.endpoints.map(async (url) => (await (await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}' })).json()) as { header: { member_id: string }; leader: string }));
  return statuses.findIndex((s) => s.header.member_id === s.leader);
}

const unused = (): never => {
  throw new Error('not used by the commit and delete steps');
};

describe('a create whose outcome was unknown', () => {
  it('never applies after the keys it creates were created and deleted since: the leader moved its fence before reading and retrying', { timeout: 60_000 }, async () => {
    const leader = await leaderIndex();
    expect(leader, 'a member leads').toBeGreaterThanOrEqual(0);
    const follower = (leader + 1) % 3;
    const leaderClient = new Etcd3({ hosts: [cluster.endpoints[leader] as string] });
    const followerClient = new Etcd3({ hosts: [cluster.endpoints[follower] as string] });
    const log = pino({ level: 'silent' });
    try {
      const viaLeader = new EtcdStore(leaderClient);
      const viaFollower = new EtcdStore(followerClient);
      await followerClient.get('/warm').exec(); // the connection is up before the member stops answering

      const leadership = new Leadership({
        fenceKey: fenceKey(PREFIX),
        identity: 'replica-1',
        acquireFence: (seen) => viaLeader.acquireFence(fenceKey(PREFIX), 'replica-1', seen),
        view: { requireRevision: () => undefined, isCaughtUp: true },
        onFenced: () => undefined,
        onLeadingChanged: () => undefined,
        log,
      });
      leadership.leaseAcquired();
      const taken = await eventually('the fence is held', async () => leadership.fence);
      const fencing: Fencing = {
        current: () => leadership.fence,
        stillHolds: (fence) => leadership.stillHolds(fence),
        supersede: (fence) => leadership.supersede(fence),
        afterRefusal: (fence, fenceNow) => leadership.afterRefusal(fence, fenceNow),
      };

      // The first commit goes to the follower, which holds it; the step hears nothing for a second.
      let held: Promise<TxnResult | undefined> | undefined;
      const commit = (txn: GuardedTxn): Promise<TxnResult> => {
        if (held !== undefined) return viaLeader.commit(txn);
        held = viaFollower.commit(txn).catch(() => undefined);
        return new Promise((_, reject) => setTimeout(() => reject(new EtcdOutcomeUnknownError('commit: 4 DEADLINE_EXCEEDED: no reply (the member holding it is paused)')), 1_000));
      };
      const deps: ReconcileDeps = {
        cache: { get: unused, keys: unused, replaceIfUnchanged: unused },
        writer: { patchStatus: unused, setFinalizers: unused },
        events: { record: unused },
        store: { read: (dataKey, metaKey) => viaLeader.read(dataKey, metaKey), commit },
        view: new StoreMirror({ prefix: PREFIX, isClaimed: () => true }),
        isOutcomeUnknown: (error) => error instanceof EtcdOutcomeUnknownError,
        fencing,
        prefix: PREFIX,
        maxBytes: 100_000,
        now: () => new Date(),
        log,
        metrics: new Metrics(false),
      };
      const entry = { metadata: { name: 'e', namespace: 'ns', uid: 'uid-1', generation: 1, finalizers: [FINALIZER] }, spec: { schema: 'rate-limits@v1', data: { routes: [{ route: '/a', requestsPerSecond: 1, burst: 1 }] } } } as unknown as ConfigEntry;
      const resolved = resolveEntryKeys(entry, PREFIX);
      if (!resolved.ok) throw new Error('the entry names no key');
      const { keys } = resolved;

      cluster.pause(follower);
      const outcome = await commitEntry(entry, taken, deps, new DriftFight({ now: () => performance.now() }));
      expect(outcome, 'the retry after the move and the read committed').toMatchObject({ kind: 'committed', wrote: true });
      expect(held, 'the first commit was sent to the paused follower').toBeDefined();
      const deleting = { ...entry, metadata: { ...entry.metadata, deletionTimestamp: new Date().toISOString() } } as ConfigEntry;
      expect(await cleanUpEntry(deleting, taken, deps), 'the entry is deleted').toMatchObject({ kind: 'released' });
      expect(await leaderClient.get(keys.meta).string()).toBeNull();
      cluster.resume(follower);
      const late = await Promise.race([held, new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 15_000))]);

      expect(await leaderClient.get(keys.data).string(), 'the deleted entry\'s data stays deleted').toBeNull();
      expect(await leaderClient.get(keys.meta).string(), 'the deleted entry owns no key again').toBeNull();
      expect(late, 'the held commit reached etcd and was refused').toMatchObject({ succeeded: false });
      expect(Number(leadership.fence?.revision), 'the fence moved past the one the held commit compares').toBeGreaterThan(Number(taken.revision));
    } finally {
      leaderClient.close();
      followerClient.close();
    }
  });
});
