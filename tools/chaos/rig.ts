/**
 * The processes of one chaos run and the handles faults act on: a store etcd cluster (1 or 3
 * members, optionally with a small space quota) reached by the operators through one FaultProxy per
 * member; the apiserver (the shared one, or one of the run's own behind a FaultProxy so it can be
 * killed and restarted on another port); and two operator replicas with leader election, each
 * incarnation with its own identity, log and pid file. Everything is stopped by pid in stop().
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { EtcdCluster } from '../controlplane/etcd-cluster.ts';
import { type OperatorProcess, startOperatorProcess } from '../controlplane/operator-process.ts';
import { isAlive } from '../controlplane/reap.ts';
import type { ApiServerHandle } from './apiserver.ts';
import type { ReplicaClaims } from './history.ts';
import { FaultProxy } from './tcp-proxy.ts';

export const LEASE_SECONDS = 4;

export interface RigOptions {
  readonly dir: string;
  readonly etcdBinary: string;
  readonly members: 1 | 3;
  readonly quotaBytes?: number;
  readonly apiserver: ApiServerHandle;
  readonly namespace: string;
  readonly prefix: string;
  readonly log: (line: string) => void;
}

interface Replica {
  readonly slot: string;
  incarnation: number;
  identity: string;
  operator: OperatorProcess | undefined;
}

export class Rig {
  readonly options: RigOptions;
  readonly store: EtcdCluster;
  readonly storeProxies: readonly FaultProxy[];
  readonly kc: KubeConfig;
  private readonly replicas: Replica[];
  private readonly identities: string[] = [];

  private constructor(options: RigOptions, store: EtcdCluster, proxies: FaultProxy[]) {
    this.options = options;
    this.store = store;
    this.storeProxies = proxies;
    this.kc = new KubeConfig();
    this.kc.loadFromFile(options.apiserver.kubeconfig);
    this.replicas = ['a', 'b'].map((slot) => ({ slot, incarnation: 0, identity: '', operator: undefined }));
  }

  static async start(options: RigOptions): Promise<Rig> {
    mkdirSync(options.dir, { recursive: true });
    const store = await EtcdCluster.start({
      binary: options.etcdBinary,
      dir: options.dir,
      name: 'chaos-store',
      members: options.members,
      pidFile: join(options.dir, 'pids'),
      ...(options.quotaBytes ? { extraArgs: [`--quota-backend-bytes=${options.quotaBytes}`] } : {}),
    });
    const proxies = await Promise.all(store.endpoints.map((url) => FaultProxy.start(url)));
    return new Rig(options, store, proxies);
  }

  /** Starts every replica (after the run has begun recording etcd: their first act is a fence write). */
  async startReplicas(): Promise<void> {
    await Promise.all(this.replicas.map((_, i) => this.startReplica(i)));
  }

  get replicaCount(): number {
    return this.replicas.length;
  }

  /** Starts replica `index` as a new incarnation (new identity) and waits for its /readyz. */
  async startReplica(index: number): Promise<void> {
    const replica = this.replica(index);
    replica.incarnation++;
    replica.identity = `chaos-${replica.slot}-${replica.incarnation}`;
    this.identities.push(replica.identity);
    const dir = join(this.options.dir, replica.identity);
    mkdirSync(dir, { recursive: true });
    const { namespace, prefix } = this.options;
    replica.operator = await startOperatorProcess({
      kubeconfig: this.options.apiserver.kubeconfig,
      storeEndpoints: this.storeProxies.map((p) => p.url),
      dir,
      readyTimeoutMs: 90_000,
      args: [
        `--watch-namespace=${namespace}`,
        `--prefix=${prefix}`,
        `--identity=${replica.identity}`,
        `--lease-namespace=${namespace}`,
        `--lease-duration-seconds=${LEASE_SECONDS}`,
        `--renew-deadline-seconds=${LEASE_SECONDS - 1}`,
        '--retry-period-seconds=0.5',
        '--etcd-timeout-ms=2000',
        '--concurrency=4',
        '--resync-seconds=30',
        '--log-level=info',
      ],
    });
  }

  private replica(index: number): Replica {
    const replica = this.replicas[index];
    if (replica === undefined) throw new RangeError(`no replica ${index}`);
    return replica;
  }

  /** The replica holding the Lease, by index; undefined when the Lease names none of the live ones. */
  async leader(): Promise<number | undefined> {
    const api = this.kc.makeApiClient(CoordinationV1Api);
    const lease = await api.readNamespacedLease({ name: 'cairn-operator', namespace: this.options.namespace }).catch(() => undefined);
    const at = this.replicas.findIndex((r) => r.identity === lease?.spec?.holderIdentity && r.operator?.process.running);
    return at < 0 ? undefined : at;
  }

  /** The leader, or any running replica when the Lease names none. */
  async leaderOrAny(): Promise<number> {
    return (await this.leader()) ?? Math.max(0, this.replicas.findIndex((r) => r.operator?.process.running));
  }

  pidOf(index: number): number | undefined {
    const operator = this.replica(index).operator;
    return operator?.process.running ? operator.process.pid : undefined;
  }

  identityOf(index: number): string {
    return this.replica(index).identity;
  }

  /** The leader's /metrics text ('' when it cannot be read). */
  async metricsOfLeader(): Promise<string> {
    const operator = this.replica(await this.leaderOrAny()).operator;
    return (await operator?.metrics().catch(() => '')) ?? '';
  }

  /** /metrics of every running replica, by identity. */
  async metricsByIdentity(): Promise<Map<string, string>> {
    const running = this.replicas.filter((r) => r.operator?.process.running);
    const texts = await Promise.all(running.map((r) => r.operator?.metrics().catch(() => '') ?? ''));
    return new Map(running.map((r, i) => [r.identity, texts[i] ?? '']));
  }

  async killReplica(index: number): Promise<void> {
    await this.replica(index).operator?.kill();
  }

  signalReplica(index: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.replica(index).operator?.process.signal(signal);
  }

  /** The store member that is raft leader, by index (asked of every member that answers). */
  async storeLeader(): Promise<number | undefined> {
    const statuses = await Promise.all(
      this.store.endpoints.map(async (url) => {
        const response = await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        return (await response?.json().catch(() => undefined)) as { header?: { member_id?: string }; leader?: string } | undefined;
      }),
    );
    const leaderId = statuses.find((s) => s?.leader !== undefined && s.leader !== '0')?.leader;
    const at = statuses.findIndex((s) => s?.header?.member_id === leaderId);
    return at < 0 ? undefined : at;
  }

  /** What each operator incarnation logged as committed (pino JSON lines). */
  claims(): ReplicaClaims[] {
    return this.identities.map((identity) => {
      const text = readIfPresent(join(this.options.dir, identity, 'operator.log'));
      const commits: number[] = [];
      for (const line of text.split('\n')) {
        if (!line.includes('"committed"')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; revision?: string };
          if (entry.msg === 'committed' && entry.revision !== undefined) commits.push(Number(entry.revision));
        } catch {
          // a line cut short by SIGKILL
        }
      }
      return { identity, commits };
    });
  }

  /** Stops the operators, then the store; idempotent. */
  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.operator?.stop()));
    await Promise.all(this.storeProxies.map((p) => p.stop()));
    await this.store.stop();
  }
}

/** The pids still alive among those in the run directory's pid files (its own, each operator's and the apiserver's). */
export function livePids(dir: string): number[] {
  const files = [join(dir, 'pids'), ...readdirSync(dir).map((name) => join(dir, name, 'pids'))];
  return files
    .flatMap((file) => readIfPresent(file).split('\n'))
    .map((line) => Number(line.split(' ')[0]))
    .filter((pid) => pid > 0 && isAlive(pid));
}

function readIfPresent(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
