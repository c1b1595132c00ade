/**
 * Network partitions between etcd members on loopback, without root: every member advertises its
 * peer URL on a proxy that forwards to its real peer port, and the proxies refuse traffic to or from
 * an isolated member. A member cut off this way stays up and keeps serving its clients (it answers
 * keepalive pings, its watches stay open) but loses quorum: the fault a stuck watch comes from.
 *
 * Which member opened a connection is found from the kernel (no guessing from traffic): the
 * connection's client port is looked up in /proc/net/tcp, and its socket inode among the file
 * descriptors of each member's process (same user, so readable). Linux only, IPv4 loopback.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createConnection, createServer } from 'node:net';

/** The socket inode of the IPv4 connection from local port `from` to port `to`, if the kernel lists it. */
function inodeOf(from: number, to: number): string | undefined {
  const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hex(from)}`) && fields[2]?.endsWith(`:${hex(to)}`)) return fields[9];
  }
  return undefined;
}

/** Whether process `pid` holds the socket with `inode`. */
function holds(pid: number, inode: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false; // closed meanwhile
      }
    });
  } catch {
    return false; // the process is gone
  }
}

interface Link {
  readonly from: number | undefined;
  readonly to: number;
  readonly sockets: readonly Socket[];
}

export class PeerPartition {
  private readonly servers: Server[] = [];
  private readonly links = new Set<Link>();
  private readonly isolated = new Set<number>();
  private readonly pidOf: (member: number) => number | undefined;
  private readonly members: number;

  private constructor(members: number, pidOf: (member: number) => number | undefined) {
    this.members = members;
    this.pidOf = pidOf;
  }

  /**
   * One proxy per member, listening on `advertised[i]` and forwarding to 127.0.0.1:`real[i]`.
   * `pidOf(i)` is member i's current process id (members may be restarted).
   */
  static async start(advertised: readonly number[], real: readonly number[], pidOf: (member: number) => number | undefined): Promise<PeerPartition> {
    const partition = new PeerPartition(advertised.length, pidOf);
    await Promise.all(advertised.map((port, to) => partition.listen(port, real[to] as number, to)));
    return partition;
  }

  private listen(port: number, target: number, to: number): Promise<void> {
    const server = createServer((inbound) => this.accept(inbound, target, to));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  private accept(inbound: Socket, target: number, to: number): void {
    inbound.on('error', () => undefined);
    const from = this.memberAt(inbound.remotePort ?? 0, (inbound.address() as AddressInfo).port);
    if (this.cut(from, to)) return void inbound.destroy();
    const outbound = createConnection({ host: '127.0.0.1', port: target });
    outbound.on('error', () => undefined);
    const link: Link = { from, to, sockets: [inbound, outbound] };
    this.links.add(link);
    inbound.pipe(outbound).pipe(inbound);
    const close = (): void => {
      this.links.delete(link);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', close);
    outbound.on('close', close);
  }

  /** Which member's process opened the connection from `clientPort` to `proxyPort`. */
  private memberAt(clientPort: number, proxyPort: number): number | undefined {
    const inode = inodeOf(clientPort, proxyPort);
    if (inode === undefined) return undefined;
    for (let i = 0; i < this.members; i++) {
      const pid = this.pidOf(i);
      if (pid !== undefined && holds(pid, inode)) return i;
    }
    return undefined;
  }

  private cut(from: number | undefined, to: number): boolean {
    return this.isolated.has(to) || (from !== undefined && this.isolated.has(from));
  }

  /** Cuts member `index` off from every other member (both directions); its clients still reach it. */
  isolate(index: number): void {
    this.isolated.add(index);
    for (const link of this.links) if (this.cut(link.from, link.to)) link.sockets.forEach((s) => s.destroy());
  }

  heal(index: number): void {
    this.isolated.delete(index);
  }

  async stop(): Promise<void> {
    for (const link of this.links) link.sockets.forEach((s) => s.destroy());
    await Promise.all(this.servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}
