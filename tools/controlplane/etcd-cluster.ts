/**
 * An etcd cluster of 1 or 3 members on loopback, with on-disk data directories (fsync on: durability
 * is what Cairn promises, so tests run against the real thing). Members can be killed, paused,
 * resumed and restarted one at a time, for fault tests; with `partitionable`, a member can also be
 * cut off from the others while it keeps serving clients (peer-partition.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PeerPartition } from './peer-partition.ts';
import { freePorts } from './ports.ts';
import { ManagedProcess, waitUntil } from './processes.ts';

export interface EtcdClusterOptions {
  readonly binary: string;
  /** Parent directory; each member gets `<dir>/<name>-<i>/` for data and `<name>-<i>.log`. */
  readonly dir: string;
  readonly name: string;
  readonly members: 1 | 3;
  readonly pidFile: string;
  /** More flags for every member (e.g. a small --quota-backend-bytes for an out-of-space fault). */
  readonly extraArgs?: readonly string[];
  /** Peer traffic through proxies, so that isolate()/heal() can partition members. */
  readonly partitionable?: boolean;
}

interface Member {
  readonly name: string;
  readonly clientUrl: string;
  /** Where the member listens for peers. */
  readonly peerUrl: string;
  /** What the member advertises to peers: its peerUrl, or its proxy when partitionable. */
  readonly advertisedPeerUrl: string;
  readonly dataDir: string;
  process: ManagedProcess | undefined;
}

const START_ATTEMPTS = 3;

async function isHealthy(clientUrl: string): Promise<boolean> {
  const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { health?: string };
  return response.ok && body.health === 'true';
}

export class EtcdCluster {
  private readonly options: EtcdClusterOptions;
  private readonly members: Member[];
  private partition: PeerPartition | undefined;

  private constructor(options: EtcdClusterOptions, members: Member[]) {
    this.options = options;
    this.members = members;
  }

  /** Starts every member and resolves when each reports a healthy cluster (a leader is elected). */
  static async start(options: EtcdClusterOptions): Promise<EtcdCluster> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const cluster = new EtcdCluster(options, await EtcdCluster.layout(options, attempt));
      try {
        if (options.partitionable) {
          const port = (url: string): number => Number(new URL(url).port);
          cluster.partition = await PeerPartition.start(
            cluster.members.map((m) => port(m.advertisedPeerUrl)),
            cluster.members.map((m) => port(m.peerUrl)),
            (i) => cluster.memberPid(i),
          );
        }
        await Promise.all(cluster.members.map((_, i) => cluster.launch(i, 'new')));
        return cluster;
      } catch (error) {
        // A port taken between our probe and etcd's bind: start over on fresh ports.
        lastError = error;
        await cluster.stop();
        if (!String(error).includes('address already in use')) throw error;
      }
    }
    throw lastError;
  }

  private static async layout(options: EtcdClusterOptions, attempt: number): Promise<Member[]> {
    const perMember = options.partitionable ? 3 : 2;
    const ports = await freePorts(options.members * perMember);
    return Array.from({ length: options.members }, (_, i) => {
      const name = `${options.name}-${i}`;
      const peerUrl = `http://127.0.0.1:${ports[perMember * i + 1]}`;
      return {
        name,
        clientUrl: `http://127.0.0.1:${ports[perMember * i]}`,
        peerUrl,
        advertisedPeerUrl: options.partitionable ? `http://127.0.0.1:${ports[perMember * i + 2]}` : peerUrl,
        dataDir: join(options.dir, attempt === 1 ? name : `${name}-try${attempt}`),
        process: undefined,
      };
    });
  }

  /** Client URLs of all members, in member order. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  get size(): number {
    return this.members.length;
  }

  memberPid(index: number): number | undefined {
    return this.member(index).process?.pid;
  }

  private member(index: number): Member {
    const m = this.members[index];
    if (!m) throw new RangeError(`no etcd member ${index} in a cluster of ${this.members.length}`);
    return m;
  }

  private async launch(index: number, state: 'new' | 'existing'): Promise<void> {
    const m = this.member(index);
    mkdirSync(m.dataDir, { recursive: true });
    const initialCluster = this.members.map((x) => `${x.name}=${x.advertisedPeerUrl}`).join(',');
    m.process = ManagedProcess.start({
      name: m.name,
      command: this.options.binary,
      args: [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${m.clientUrl}`,
        `--advertise-client-urls=${m.clientUrl}`,
        `--listen-peer-urls=${m.peerUrl}`,
        `--initial-advertise-peer-urls=${m.advertisedPeerUrl}`,
        `--initial-cluster=${initialCluster}`,
        `--initial-cluster-state=${state}`,
        `--initial-cluster-token=${this.options.name}`,
        '--log-level=warn',
        ...(this.options.extraArgs ?? []),
      ],
      logFile: join(this.options.dir, `${m.name}.log`),
      pidFile: this.options.pidFile,
    });
    const proc = m.process;
    await waitUntil(proc, 'healthy', () => isHealthy(m.clientUrl), 60_000);
  }

  /** SIGKILL one member (a crash); its data directory stays for restart(). */
  async kill(index: number): Promise<void> {
    await this.member(index).process?.kill();
  }

  /** SIGSTOP one member: it holds its connections but answers nothing (a hung machine). */
  pause(index: number): void {
    this.member(index).process?.pause();
  }

  resume(index: number): void {
    this.member(index).process?.resume();
  }

  /** Starts a stopped or killed member again on its data directory and waits until it is healthy. */
  async restart(index: number): Promise<void> {
    const m = this.member(index);
    if (m.process?.running) await m.process.stop();
    await this.launch(index, 'existing');
  }

  /** Cuts member `index` off from the other members (it keeps serving its clients). Needs `partitionable`. */
  isolate(index: number): void {
    this.member(index);
    if (!this.partition) throw new Error('EtcdCluster.isolate: start the cluster with partitionable: true');
    this.partition.isolate(index);
  }

  heal(index: number): void {
    this.partition?.heal(index);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.process?.stop()));
    await this.partition?.stop();
  }
}
