import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on a free loopback port to a real service. blackhole() makes
 * the connections open so far go silent (bytes are swallowed both ways, the
 * sockets stay open), as a dead peer or a dropped NAT entry would; new
 * connections pass as before.
 */
export class TcpProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on("connection", (client) => proxy.pass(client, targetHost, targetPort));
    return proxy;
  }

  private pass(client: Socket, host: string, port: number): void {
    const upstream = createConnection({ host, port });
    const pair = { client, upstream, silent: false };
    this.pairs.add(pair);
    client.on("data", (chunk) => void (pair.silent || upstream.write(chunk)));
    upstream.on("data", (chunk) => void (pair.silent || client.write(chunk)));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on("error", end);
      socket.on("close", end);
    }
  }

  /** Connections open now go silent; returns how many. */
  blackhole(): number {
    for (const pair of this.pairs) pair.silent = true;
    return this.pairs.size;
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
