/**
 * A TCP proxy on loopback for faults between one client and its server: `forward` (normal), `cut`
 * (drop every connection and refuse new ones: a partition), and `dropReplies` (forward what the
 * client sends, discard what the server answers: a request applied whose reply is lost). The target
 * can move (a restarted apiserver listens on a new port) while clients keep the proxy's address.
 */
import { type AddressInfo, type Server, type Socket, createConnection, createServer } from 'node:net';

export type ProxyMode = 'forward' | 'cut' | 'dropReplies';

export class FaultProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private target: URL;
  private mode: ProxyMode = 'forward';

  private constructor(target: URL) {
    this.target = target;
    this.server = createServer((inbound) => this.accept(inbound));
  }

  /** Listens on a free loopback port forwarding to `targetUrl` (`scheme://host:port`). */
  static async start(targetUrl: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(targetUrl));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The proxy's address with the target's scheme. */
  get url(): string {
    return `${this.target.protocol}//127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private accept(inbound: Socket): void {
    if (this.mode === 'cut') return void inbound.destroy();
    const outbound = createConnection({ host: this.target.hostname, port: Number(this.target.port) });
    for (const s of [inbound, outbound]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.on('data', (chunk) => void outbound.write(chunk));
    // Replies are read (so the server never blocks) and, while dropping, thrown away.
    outbound.on('data', (chunk) => void (this.mode === 'forward' && inbound.write(chunk)));
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  }

  /** Points new connections at another server; open ones are closed so clients reconnect there. */
  retarget(targetUrl: string): void {
    this.target = new URL(targetUrl);
    this.closeAll();
  }

  /**
   * Switches mode. Leaving `dropReplies` closes every connection: a stream that lost bytes is
   * corrupt, so the client must see a broken connection, as it would after a real lost reply.
   */
  set(mode: ProxyMode): void {
    const was = this.mode;
    this.mode = mode;
    if (mode === 'cut' || was === 'dropReplies') this.closeAll();
  }

  private closeAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.set('cut');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
