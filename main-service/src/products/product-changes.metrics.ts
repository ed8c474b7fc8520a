import { Counter, Histogram } from 'prom-client';
import { METRIC_PREFIX, type ServiceMetrics } from '@catalogue/shared';
import type { ProductChangeKind } from './product-changes.repository';

const KINDS: ProductChangeKind[] = ['created', 'updated', 'deleted', 'likes'];
const DELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** main's change feed, in the service's registry: how fast changes reach this replica, and what it gave up on. */
export class ProductChangeMetrics {
  readonly delay: Histogram<'kind'>;
  readonly skipped: Counter<'reason'>;
  readonly readErrors: Counter;

  constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.delay = new Histogram({
      name: `${METRIC_PREFIX}product_change_delay_seconds`,
      help: "Time from a change's commit in main (any process) to its delivery in this replica (the list cache cleared, listeners told), by kind.",
      labelNames: ['kind'],
      buckets: DELAY_BUCKETS,
      registers,
    });
    this.skipped = new Counter({
      name: `${METRIC_PREFIX}product_changes_skipped_total`,
      help: 'Feed ids this replica gave up waiting for: rolled_back (their transaction never committed) or timed_out (still uncommitted after the longest wait).',
      labelNames: ['reason'],
      registers,
    });
    this.readErrors = new Counter({
      name: `${METRIC_PREFIX}product_changes_read_errors_total`,
      help: 'Failed reads of the change feed (retried).',
      registers,
    });
    for (const kind of KINDS) this.delay.labels(kind);
    for (const reason of ['rolled_back', 'timed_out']) this.skipped.labels(reason).inc(0);
  }
}
