import { Counter, Gauge, Histogram } from 'prom-client';
import { METRIC_PREFIX, type ServiceMetrics } from '@catalogue/shared';
import type { ProductChangeKind } from '../products/product-changes.repository';
import { LIVE_EVENTS, type LiveEvent } from './live-messages';

const KINDS: ProductChangeKind[] = ['created', 'updated', 'deleted', 'likes'];
export const REFUSALS = ['address', 'capacity', 'draining', 'unavailable'] as const;
export type Refusal = (typeof REFUSALS)[number];
const DELAY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.35, 0.5, 0.75, 1, 2.5, 5, 10, 30];

/** The live stream's numbers, in the service's registry (README, Operations). */
export class LiveMetrics {
  readonly open: Gauge;
  readonly limit: Gauge;
  readonly buffered: Gauge;
  readonly sent: Counter<'event'>;
  readonly dropped: Counter;
  readonly refused: Counter<'reason'>;
  readonly delay: Histogram<'kind'>;

  constructor(metrics: ServiceMetrics, limit: number, bufferedBytes: () => number) {
    const registers = [metrics.registry];
    const name = (base: string) => METRIC_PREFIX + base;
    this.open = new Gauge({
      name: name('live_streams_open'),
      help: 'Live streams (GET /api/products/stream) open in this process.',
      registers,
    });
    this.limit = new Gauge({
      name: name('live_streams_limit'),
      help: 'Live streams this process accepts at most (LIVE_STREAMS_MAX).',
      registers,
    });
    this.limit.set(limit);
    this.buffered = new Gauge({
      name: name('live_stream_buffered_bytes'),
      help: 'Bytes written to live streams that their readers have not taken yet, over all streams of this process (each is bounded by LIVE_STREAM_MAX_BUFFER_KB).',
      registers,
      collect() {
        this.set(bufferedBytes());
      },
    });
    this.sent = new Counter({
      name: name('live_messages_sent_total'),
      help: 'Messages written to live streams (one per stream it went to), by event.',
      labelNames: ['event'],
      registers,
    });
    this.dropped = new Counter({
      name: name('live_slow_readers_dropped_total'),
      help: 'Live streams cut off because their reader fell too far behind (more unread than LIVE_STREAM_MAX_BUFFER_KB).',
      registers,
    });
    this.refused = new Counter({
      name: name('live_streams_refused_total'),
      help: 'Live streams refused: address (429, too many from one client address), capacity (503, this process is full), draining (503, shutting down), unavailable (503, the change feed could not be read for a resume).',
      labelNames: ['reason'],
      registers,
    });
    this.delay = new Histogram({
      name: name('live_stream_delay_seconds'),
      help: "Time from a change's commit in main to the live message that carries it being written to every open stream of this process, by kind (likes include the coalescing window).",
      labelNames: ['kind'],
      buckets: DELAY_BUCKETS,
      registers,
    });
    for (const event of LIVE_EVENTS) this.sent.labels(event as LiveEvent).inc(0);
    for (const reason of REFUSALS) this.refused.labels(reason).inc(0);
    for (const kind of KINDS) this.delay.labels(kind);
  }
}
