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

export interface FaultOptions {
  /** `latency`: the delay added to every chunk, each way. */
  latencyMs?: number;
  /** `latency`: each chunk's delay varies by up to this much either side (never reordering a stream). */
  jitterMs?: number;
  /** `close-after`: bytes a connection may still carry (both ways together) before it is cut. */
  bytes?: number;
  /** Draws the jitter; pass a seeded generator so a run replays. */
  random?: () => number;
}

/** What the proxy has done since it started: the evidence that a fault really happened. */
export interface FaultProxyStats {
  connections: number;
  /** Connections cut: by `cutAll`, by `reset` (including refused new ones), by `close-after`. */
  cuts: number;
  /** `close-after` cuts that forwarded only the first part of a chunk: the peer got half a frame. */
  cutsMidChunk: number;
  delayedChunks: number;
  /** The longest delay a chunk was held, in ms. */
  maxDelayMs: number;
  swallowedBytes: number;
}

/** One direction of a connection: chunks wait here, in order, until they are due. */
class DelayedStream {
  private readonly queue: { due: number; chunk: Buffer }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly to: net.Socket) {}

  get busy(): boolean {
    return this.queue.length > 0;
  }

  /** Queues `chunk` to be written at `due` or after everything queued before it, whichever is later. */
  push(chunk: Buffer, due: number): number {
    const last = this.queue[this.queue.length - 1]?.due ?? 0;
    const at = Math.max(due, last);
    this.queue.push({ due: at, chunk });
    if (!this.timer) this.schedule();
    return at;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private schedule(): void {
    const head = this.queue[0];
    if (!head) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(
      () => {
        const now = Date.now();
        while (this.queue.length > 0 && this.queue[0]!.due <= now) {
          const { chunk } = this.queue.shift()!;
          if (!this.to.destroyed) this.to.write(chunk);
        }
        this.schedule();
      },
      Math.max(0, head.due - Date.now()),
    );
  }
}

/**
 * A small TCP fault proxy between a service and the broker or its database, toxiproxy-like:
 * pass traffic, delay it (with jitter, keeping each stream in order), swallow it, reset
 * connections, or cut them after N more bytes, mid-chunk when the budget ends inside one.
 */
export class FaultProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly budgets = new Map<net.Socket, { remaining: number }>();
  private mode: FaultMode = 'pass';
  private options: FaultOptions = {};
  private readonly counters: FaultProxyStats = {
    connections: 0,
    cuts: 0,
    cutsMidChunk: 0,
    delayedChunks: 0,
    maxDelayMs: 0,
    swallowedBytes: 0,
  };
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

  setMode(mode: FaultMode, options: FaultOptions = {}): void {
    this.mode = mode;
    this.options = options;
    // Every open connection gets a fresh budget; new ones get theirs when they open.
    for (const budget of this.budgets.values()) budget.remaining = options.bytes ?? 0;
    if (mode === 'reset') this.cutAll();
  }

  stats(): FaultProxyStats {
    return { ...this.counters };
  }

  /** Connections open right now (each has two sockets here). */
  openConnections(): number {
    return this.budgets.size;
  }

  /** Drops every open connection at once (as a broker restart or a network flap would). */
  cutAll(): number {
    const open = this.budgets.size;
    for (const socket of this.sockets) cut(socket);
    this.counters.cuts += open;
    return open;
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private delay(): number {
    const { latencyMs = 0, jitterMs = 0, random = Math.random } = this.options;
    return Math.max(0, latencyMs + (random() * 2 - 1) * jitterMs);
  }

  private accept(client: net.Socket): void {
    this.counters.connections++;
    if (this.mode === 'reset') {
      this.counters.cuts++;
      cut(client);
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const budget = { remaining: this.mode === 'close-after' ? (this.options.bytes ?? 0) : 0 };
    this.budgets.set(client, budget);
    const streams: DelayedStream[] = [];
    let severed = false;
    const relay = (from: net.Socket, to: net.Socket) => {
      const delayed = new DelayedStream(to);
      streams.push(delayed);
      from.on('data', (chunk: Buffer) => {
        if (severed) return;
        if (this.mode === 'blackhole') {
          this.counters.swallowedBytes += chunk.length;
          return;
        }
        if (this.mode === 'close-after') {
          if (chunk.length > budget.remaining) {
            severed = true;
            this.counters.cuts++;
            const destroyBoth = () => {
              client.destroy();
              upstream.destroy();
            };
            if (budget.remaining === 0) return destroyBoth();
            // Forward what the budget allows, so the peer is left holding part of a frame, and
            // close only once those bytes are on their way (destroy would discard them).
            this.counters.cutsMidChunk++;
            to.write(chunk.subarray(0, budget.remaining), destroyBoth);
            budget.remaining = 0;
            return;
          }
          budget.remaining -= chunk.length;
        }
        if (this.mode === 'latency') {
          const now = Date.now();
          const at = delayed.push(chunk, now + this.delay());
          this.counters.delayedChunks++;
          this.counters.maxDelayMs = Math.max(this.counters.maxDelayMs, at - now);
        } else if (delayed.busy) {
          // Latency was just lifted: what is still queued goes first.
          delayed.push(chunk, Date.now());
        } else if (to.destroyed) {
          // Its peer went away during a blackhole: now that traffic flows, this side learns it.
          from.destroy();
        } else {
          to.write(chunk);
        }
      });
    };
    relay(client, upstream);
    relay(upstream, client);
    const teardown = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      this.budgets.delete(client);
      for (const stream of streams) stream.stop();
      client.destroy();
      upstream.destroy();
    };
    const closed = (socket: net.Socket, other: net.Socket) => () => {
      // A real partition carries no FIN or RST either: while black-holing, the other side hears
      // nothing and must find out by itself (a heartbeat), so its socket stays open until it gives
      // up, the mode changes or cutAll.
      if (this.mode === 'blackhole' && !other.destroyed) {
        this.sockets.delete(socket);
        return;
      }
      teardown();
    };
    client.on('error', closed(client, upstream));
    upstream.on('error', closed(upstream, client));
    client.on('close', closed(client, upstream));
    upstream.on('close', closed(upstream, client));
  }
}
