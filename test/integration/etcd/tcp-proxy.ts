/**
 * A TCP proxy on loopback that a test can cut (drop every connection and refuse new ones) and heal:
 * a network partition between one client and a healthy etcd, which other clients still reach. It
 * can also hold what the client sends (`holdRequests`) and deliver it later, in order
 * (`deliverRequests`): a request that left the client long before it reaches etcd; and lose replies
 * (`loseReplies`): requests still reach etcd (and apply), answers never come back, so a client sees
 * its deadline pass on a write that happened.
 */
import { type AddressInfo, type Server, type Socket, createConnection, createServer } from 'node:net';

export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private cut = false;
  /** Client-to-server chunks held back while `holding`, in order. */
  private held: { readonly to: Socket; readonly chunk: Buffer }[] | undefined;
  private losingReplies = false;

  private constructor(target: URL) {
    this.server = createServer((inbound) => {
      if (this.cut) return void inbound.destroy();
      const outbound = createConnection({ host: target.hostname, port: Number(target.port) });
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      inbound.on('data', (chunk: Buffer) => {
        if (this.held) this.held.push({ to: outbound, chunk });
        else outbound.write(chunk);
      });
      inbound.on('end', () => outbound.end());
      outbound.on('data', (chunk: Buffer) => {
        if (!this.losingReplies) inbound.write(chunk);
      });
      outbound.on('end', () => inbound.end());
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
  }

  /** Listens on a free loopback port forwarding to `targetUrl` (`http://host:port`). */
  static async start(targetUrl: string): Promise<TcpProxy> {
    const proxy = new TcpProxy(new URL(targetUrl));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Drops every open connection; new ones are closed at once until heal(). */
  partition(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  /**
   * Ends a partition and lost replies. Connections that lost replies are closed: their protocol state
   * (HTTP/2 acknowledgements, flow control) is broken beyond repair, as after a real network fault.
   */
  heal(): void {
    this.cut = false;
    if (this.losingReplies) for (const s of this.sockets) s.destroy();
    this.losingReplies = false;
  }

  /** From now on, bytes from the server are dropped; bytes to it still pass. */
  loseReplies(): void {
    this.losingReplies = true;
  }

  /** From now on, what clients send is held back (the server's answers still flow). */
  holdRequests(): void {
    this.held ??= [];
  }

  /** Delivers everything held back, in order, and forwards at once again. Returns the bytes delivered. */
  deliverRequests(): number {
    const held = this.held ?? [];
    this.held = undefined;
    for (const { to, chunk } of held) if (!to.destroyed) to.write(chunk);
    return held.reduce((bytes, { chunk }) => bytes + chunk.length, 0);
  }

  /** Bytes held back so far. */
  get heldBytes(): number {
    return (this.held ?? []).reduce((bytes, { chunk }) => bytes + chunk.length, 0);
  }

  async stop(): Promise<void> {
    this.partition();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
