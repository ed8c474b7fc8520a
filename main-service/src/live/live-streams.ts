import type { ServerResponse } from 'node:http';
import { AppError, type Logger, type ServiceMetrics } from '@catalogue/shared';
import type { ProductChanges } from '../products/product-changes';
import type { ProductChange } from '../products/product-changes.repository';
import { coalesce, controlMessage, HEARTBEAT, messageOf, retryField, type LiveMessage } from './live-messages';
import { LiveStream } from './live-stream';
import { LiveMetrics, type Refusal } from './live.metrics';

export interface LiveSettings {
  /** Open streams this process serves at most (over it: 503). */
  maxStreams: number;
  /** Open streams per client address in this process (over it: 429). */
  maxPerAddress: number;
  /** Like counts are held this long and sent once per product; other changes go at once. 0 sends every change at once. */
  coalesceMs: number;
  /** A comment is sent this often, so proxies never see an idle stream. */
  heartbeatMs: number;
  /** A reader this far behind is cut off. */
  maxBufferBytes: number;
  /** How long the browser waits before reconnecting when a stream ends (spread out at shutdown). */
  retryMs: number;
}

/** A reconnect that would replay more messages than this reloads its list instead (a page costs less). */
const MAX_REPLAY_MESSAGES = 1000;
const RETRY_AFTER_ADDRESS_SECONDS = 30;
const RETRY_AFTER_CAPACITY_SECONDS = 10;

interface Heard {
  change: ProductChange;
  /** The change's commit on this process's clock (the feed reports its age when read). */
  committedAt: number;
}

/**
 * The live stream (GET /api/products/stream) of one API process. It listens to the change feed
 * once, whatever the number of readers: each window of changes becomes one chunk of text, built
 * once and written to every open stream. Like counts wait up to `coalesceMs` and go out once per
 * product; any other change flushes the window at once, in feed order, so a message's id always
 * means "everything up to here", which is what a reconnecting reader's Last-Event-ID resumes from.
 */
export class LiveStreams {
  private readonly streams = new Set<LiveStream>();
  private readonly perAddress = new Map<string, number>();
  private readonly metrics: LiveMetrics;
  private window: Heard[] = [];
  private flushTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private draining = false;

  constructor(
    private readonly changes: ProductChanges,
    private readonly settings: LiveSettings,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {
    this.metrics = new LiveMetrics(metrics, settings.maxStreams, () => this.bufferedBytes());
    changes.subscribe((batch) => this.hear(batch));
  }

  get size(): number {
    return this.streams.size;
  }

  /** Every change up to this id has gone out to every open stream (or was heard with none open). */
  get position(): number {
    return this.window.length > 0 ? this.window[0]!.change.id - 1 : this.changes.position;
  }

  /**
   * Opens a stream on `res`. A reader that says which message it saw last (`after`) gets what it
   * missed since, or `reload` when that is no longer known here; a new one gets `ready`. Throws
   * (before anything is written) when a limit refuses it or the feed cannot be read.
   */
  async open(res: ServerResponse, address: string, after: number | undefined): Promise<void> {
    this.admit(res, address);
    const stream = new LiveStream(res, address, this.settings.maxBufferBytes, () => this.metrics.dropped.inc());
    this.add(stream);
    res.once('close', () => this.remove(stream));
    let head: string;
    try {
      // Registered above, in the same tick as the position read here: whatever goes out after
      // this position is held for the stream until its head is written, so nothing falls between.
      head = await this.headFor(stream, after);
    } catch (err) {
      this.remove(stream);
      this.refuse(res, 'unavailable', RETRY_AFTER_CAPACITY_SECONDS);
      this.logger.warn({ err: (err as Error).message }, 'a live stream could not resume: the change feed could not be read');
      throw AppError.unavailable('the change feed');
    }
    if (stream.isClosed) return;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // nginx (and ingress-nginx) would otherwise buffer the response.
      'X-Accel-Buffering': 'no',
      // A stream's connection is never reused: once it ends, the socket closes with it.
      Connection: 'close',
    });
    stream.start(retryField(this.settings.retryMs) + head);
    this.startHeartbeat();
  }

  /**
   * Shutdown: refuses new streams and ends the open ones, each told to reconnect after a random
   * moment (so they do not all arrive at the other replicas at once). Resolves once every stream
   * is closed (a reader that does not take its last bytes is cut off after a short grace).
   */
  async closeAll(): Promise<void> {
    this.draining = true;
    this.flush();
    const open = [...this.streams];
    const { retryMs } = this.settings;
    await Promise.all(open.map((stream) => stream.end(retryField(retryMs / 2 + Math.random() * retryMs * 1.5))));
    this.stopHeartbeat();
    if (open.length > 0) this.logger.info({ streams: open.length }, 'live streams closed for shutdown');
  }

  private admit(res: ServerResponse, address: string): void {
    if (this.draining) {
      this.refuse(res, 'draining', 1);
      throw new AppError(503, 'shutting_down', 'this server is shutting down; reconnect');
    }
    if (this.streams.size >= this.settings.maxStreams) {
      this.refuse(res, 'capacity', RETRY_AFTER_CAPACITY_SECONDS);
      throw new AppError(503, 'streams_at_capacity', 'this server has as many live streams open as it serves; try again shortly');
    }
    if ((this.perAddress.get(address) ?? 0) >= this.settings.maxPerAddress) {
      this.refuse(res, 'address', RETRY_AFTER_ADDRESS_SECONDS);
      throw new AppError(429, 'too_many_streams', `at most ${this.settings.maxPerAddress} live streams may be open from one address`);
    }
  }

  private refuse(res: ServerResponse, reason: Refusal, retryAfterSeconds: number): void {
    this.metrics.refused.inc({ reason });
    res.setHeader('Retry-After', String(retryAfterSeconds));
  }

  private async headFor(stream: LiveStream, after: number | undefined): Promise<string> {
    const upTo = this.position;
    if (after === undefined) return controlMessage('ready', upTo);
    const replay = await this.changes.replay(after, upTo);
    if (replay === 'expired') return controlMessage('reload', upTo);
    if (after > upTo) stream.floor = after;
    const messages = coalesce(replay).map(messageOf);
    if (messages.length > MAX_REPLAY_MESSAGES) return controlMessage('reload', upTo);
    this.countSent(messages, 1);
    return messages.map((m) => m.text).join('');
  }

  private add(stream: LiveStream): void {
    this.streams.add(stream);
    this.perAddress.set(stream.address, (this.perAddress.get(stream.address) ?? 0) + 1);
    this.metrics.open.set(this.streams.size);
  }

  private remove(stream: LiveStream): void {
    stream.markClosed();
    if (!this.streams.delete(stream)) return;
    const left = (this.perAddress.get(stream.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(stream.address, left);
    else this.perAddress.delete(stream.address);
    this.metrics.open.set(this.streams.size);
    if (this.streams.size === 0) this.stopHeartbeat();
  }

  private hear(batch: readonly ProductChange[]): void {
    if (this.streams.size === 0) {
      // Nobody to tell; the position moves on with the feed.
      this.window = [];
      return;
    }
    const now = Date.now();
    for (const change of batch) this.window.push({ change, committedAt: now - change.ageSeconds * 1000 });
    if (this.settings.coalesceMs === 0 || batch.some((c) => c.kind !== 'likes')) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.settings.coalesceMs);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const heard = this.window;
    this.window = [];
    if (heard.length === 0) return;
    const messages = coalesce(heard.map((h) => h.change)).map(messageOf);
    const chunk = messages.map((m) => m.text).join('');
    let whole = 0;
    for (const stream of this.streams) {
      const written = stream.deliver(messages, chunk);
      if (written === messages) whole++;
      else this.countSent(written, 1);
    }
    this.countSent(messages, whole);
    const now = Date.now();
    for (const { change, committedAt } of heard) this.metrics.delay.observe({ kind: change.kind }, Math.max(0, now - committedAt) / 1000);
  }

  private countSent(messages: readonly LiveMessage[], streams: number): void {
    if (streams === 0) return;
    const byEvent = new Map<string, number>();
    for (const m of messages) byEvent.set(m.event, (byEvent.get(m.event) ?? 0) + 1);
    for (const [event, count] of byEvent) this.metrics.sent.inc({ event }, count * streams);
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.send(HEARTBEAT);
    }, this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private bufferedBytes(): number {
    let total = 0;
    for (const stream of this.streams) total += stream.buffered;
    return total;
  }
}
