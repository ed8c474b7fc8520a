import net from 'node:net';

/**
 * Cuts a connection with a TCP reset when that is safe. A socket already shutting down (the peer
 * sent FIN, so Node began ending ours) or still connecting is destroyed normally instead: resetting
 * it mid-shutdown can leave its native handle open, and the process then spins at exit (Node 24).
 */
function cut(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded || socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

export type FaultMode = 'pass' | 'latency' | 'blackhole' | 'reset' | 'close-after';

/**
 * A small TCP fault proxy between a service and the broker or its database, toxiproxy-like:
 * pass traffic, delay it, swallow it, reset connections, or close them after N bytes.
 */
export class FaultProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private mode: FaultMode = 'pass';
  private latencyMs = 0;
  private closeAfterBytes = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  setMode(mode: FaultMode, options: { latencyMs?: number; bytes?: number } = {}): void {
    this.mode = mode;
    this.latencyMs = options.latencyMs ?? 0;
    this.closeAfterBytes = options.bytes ?? 0;
    if (mode === 'reset') for (const socket of this.sockets) cut(socket);
  }

  /** Drops every open connection at once (as a broker restart or a network flap would). */
  cutAll(): void {
    for (const socket of this.sockets) cut(socket);
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'reset') {
      cut(client);
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.sockets.add(client);
    this.sockets.add(upstream);
    let forwarded = 0;
    const relay = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (this.mode === 'blackhole') return;
        if (this.mode === 'close-after') {
          forwarded += chunk.length;
          if (forwarded > this.closeAfterBytes) {
            client.destroy();
            upstream.destroy();
            return;
          }
        }
        if (this.mode === 'latency' && this.latencyMs > 0) setTimeout(() => to.write(chunk), this.latencyMs);
        else to.write(chunk);
      });
    };
    relay(client, upstream);
    relay(upstream, client);
    const teardown = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', teardown);
    upstream.on('close', teardown);
  }
}
