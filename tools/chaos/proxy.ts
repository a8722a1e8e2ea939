import net from 'node:net';

/**
 * TcpProxy forwards TCP connections from a local port to PostgreSQL, so the chaos run can cut
 * one process's database (the API's pool) without touching the server: while paused it resets
 * every new connection at once and has cut the open ones, as a refusing network would.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly open = new Set<net.Socket>();
  private pausedUntilMs = 0;
  /** refused counts connections reset while paused. */
  refused = 0;
  /** cut counts open connections (client and server side as one) destroyed by a pause. */
  cut = 0;

  constructor(private readonly upstream: { host: string; port: number }) {}

  /** listen starts the proxy on a free 127.0.0.1 port and resolves with that port. */
  async listen(): Promise<number> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** paused tells whether the proxy refuses connections now. */
  get paused(): boolean {
    return Date.now() < this.pausedUntilMs;
  }

  /** pause refuses new connections for `durationMs` and destroys every open one now. */
  pause(durationMs: number): void {
    this.pausedUntilMs = Date.now() + durationMs;
    this.cut += this.open.size / 2;
    for (const socket of this.open) socket.destroy();
  }

  /** close stops listening and destroys every open connection. */
  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.paused) {
      this.refused += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.upstream.port, this.upstream.host);
    const pair = [client, upstream];
    for (const socket of pair) {
      this.open.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => pair.forEach((s) => s.destroy()));
      socket.on('close', () => {
        this.open.delete(socket);
        pair.forEach((s) => s.destroy());
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
