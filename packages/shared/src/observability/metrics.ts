import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EventTypes, type EventType } from '../contracts/events';
import { transactionErrors, type TransactionErrorCounter } from '../db/transaction';
import { CREDENTIAL_KINDS, credentialEvents, READ_OUTCOMES, SECRET_KINDS } from './credential-events';

/** Chosen once for both services: every series is `catalogue_*` and carries a constant `service` label. */
export const METRIC_PREFIX = 'catalogue_';

export type ServiceName = 'main' | 'admin';

/** OpenTelemetry's advisory buckets for http.server.request.duration, in seconds. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Event lag spans a commit-to-effect path that may wait out a broker outage, hence the long tail. */
const LAG_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * prom-client's defaults include `nodejs_active_{handles,requests,resources}_total`, gauges whose
 * names claim to be counters (promtool rejects them); the same numbers remain, by type, without `_total`.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Known reasons a like is refused; pre-created so their series exist at zero. */
export const LIKE_REJECTION_REASONS = [
  'already_liked',
  'not_found',
  'unauthenticated',
  'validation_failed',
  'dependency_unavailable',
] as const;

const ALL_EVENT_TYPES = Object.values(EventTypes);

/** Who dead-lettered a message: our consumer refusing it, or the broker at the delivery limit. */
const DEAD_LETTER_REASONS = ['refused', 'delivery_limit'] as const;

/** Message `type`s come from outside: only known event types become label values, so senders cannot mint series. */
export function eventTypeLabel(type: string | undefined): EventType | 'unknown' {
  return type !== undefined && (ALL_EVENT_TYPES as string[]).includes(type) ? (type as EventType) : 'unknown';
}

/**
 * One process's metrics in a registry of its own (a global one would throw when a test builds an
 * app twice). Both services expose the same families, so dashboards and alerts query one set of names.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;

  readonly eventsPublished: Counter<'event_type'>;
  readonly eventsConsumed: Counter<'event_type'>;
  readonly eventsFailed: Counter<'event_type' | 'stage'>;
  readonly eventsUnroutable: Counter<'event_type'>;
  readonly eventsDeadLettered: Counter<'event_type' | 'reason'>;
  readonly eventsRedelivered: Counter<'event_type'>;
  readonly eventsDuplicatesIgnored: Counter<'event_type'>;
  readonly eventsStale: Counter<'event_type'>;
  readonly consumerProcessingDuration: Histogram<'event_type' | 'outcome'>;
  readonly eventLag: Histogram<'event_type'>;
  readonly inboxPruned: Counter;
  readonly outboxBacklogRows: Gauge;
  readonly outboxOldestAge: Gauge;
  readonly brokerConnectionsLost: Counter<'connection' | 'reason'>;
  readonly brokerConnectFailures: Counter<'connection'>;
  readonly brokerBlocked: Counter<'connection'>;
  readonly dbTransactionRetries: Counter<'kind'>;
  readonly dbTransactionFailures: Counter<'kind'>;

  readonly likesAccepted: Counter;
  readonly likesRejected: Counter<'reason'>;
  readonly unlikesAccepted: Counter<'removed'>;
  readonly unlikesRejected: Counter<'reason'>;
  readonly productsCreated: Counter;
  readonly productsUpdated: Counter;
  readonly productsDeleted: Counter;
  readonly rateLimitStoreErrors: Counter<'limiter'>;

  readonly secretReads: Counter<'secret' | 'outcome'>;
  readonly credentialChanges: Counter<'credential'>;
  readonly databaseAuthFailures: Counter;
  readonly jwksFetches: Counter<'outcome'>;

  readonly dependencyBreakerState: Gauge<'dependency'>;
  readonly dependencyCallsRefused: Counter<'dependency'>;

  constructor(
    readonly service: ServiceName,
    options: { defaultMetrics?: boolean; outboxBacklog?: OutboxBacklogReader; transactions?: TransactionErrorCounter } = {},
  ) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
      for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(METRIC_PREFIX + name);
    }
    const name = (base: string) => METRIC_PREFIX + base;

    this.httpRequestDuration = new Histogram({
      name: name('http_server_request_duration_seconds'),
      help: 'Duration of HTTP requests, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.httpRequests = new Counter({
      name: name('http_server_requests_total'),
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });

    this.eventsPublished = new Counter({
      name: name('events_published_total'),
      help: 'Events published from the outbox and confirmed by the broker.',
      labelNames: ['event_type'],
      registers,
    });
    this.eventsConsumed = new Counter({
      name: name('events_consumed_total'),
      help: 'Events consumed and applied (committed and acknowledged).',
      labelNames: ['event_type'],
      registers,
    });
    this.eventsFailed = new Counter({
      name: name('events_failed_total'),
      help: 'Failed attempts: a publish the broker did not confirm (stage=publish) or a handler error that requeued a delivery (stage=consume).',
      labelNames: ['event_type', 'stage'],
      registers,
    });
    this.eventsUnroutable = new Counter({
      name: name('events_unroutable_total'),
      help: 'Outbox events the broker returned as unroutable (no queue bound for their routing key): not delivered, kept in the outbox and retried with backoff.',
      labelNames: ['event_type'],
      registers,
    });
    this.eventsDeadLettered = new Counter({
      name: name('events_dead_lettered_total'),
      help: "Messages dead-lettered from this consumer's queue: refused by the consumer (reason=refused: invalid, unknown type, poison) or by the broker after the delivery limit (reason=delivery_limit, counted when the consumer returns a message for the last time).",
      labelNames: ['event_type', 'reason'],
      registers,
    });
    this.eventsRedelivered = new Counter({
      name: name('events_redelivered_total'),
      help: 'Deliveries the broker marked as redelivered.',
      labelNames: ['event_type'],
      registers,
    });
    this.eventsDuplicatesIgnored = new Counter({
      name: name('events_duplicates_ignored_total'),
      help: 'Deliveries of events already processed, acknowledged without effect.',
      labelNames: ['event_type'],
      registers,
    });
    this.eventsStale = new Counter({
      name: name('events_stale_total'),
      help: 'Product events that changed nothing because a newer version or the deletion was already applied (they arrived out of order).',
      labelNames: ['event_type'],
      registers,
    });
    this.consumerProcessingDuration = new Histogram({
      name: name('consumer_processing_duration_seconds'),
      help: 'Time from a delivery to its acknowledgement, by event type and outcome (applied, duplicate).',
      labelNames: ['event_type', 'outcome'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.eventLag = new Histogram({
      name: name('event_lag_seconds'),
      help: "End-to-end lag from an event's occurrence (its commit in the producer) to its effect here.",
      labelNames: ['event_type'],
      buckets: LAG_BUCKETS,
      registers,
    });
    this.inboxPruned = new Counter({
      name: name('inbox_pruned_total'),
      help: 'Inbox (processed_events) rows deleted after their retention.',
      registers,
    });
    const collect = options.outboxBacklog
      ? backlogCollector(options.outboxBacklog, () => [this.outboxBacklogRows, this.outboxOldestAge])
      : undefined;
    this.outboxBacklogRows = new Gauge({
      name: name('outbox_backlog_rows'),
      help: 'Outbox rows waiting to be published.',
      registers,
      collect,
    });
    this.outboxOldestAge = new Gauge({
      name: name('outbox_oldest_age_seconds'),
      help: 'Age of the oldest unpublished outbox row (0 when empty).',
      registers,
      collect,
    });

    this.brokerConnectionsLost = new Counter({
      name: name('broker_connections_lost_total'),
      help: 'Broker connections lost, by connection (publisher, consumer) and reason (heartbeat_timeout, closed_by_broker, connection_lost).',
      labelNames: ['connection', 'reason'],
      registers,
    });
    this.brokerConnectFailures = new Counter({
      name: name('broker_connect_failures_total'),
      help: 'Attempts to connect to the broker that failed (refused, timed out).',
      labelNames: ['connection'],
      registers,
    });
    this.brokerBlocked = new Counter({
      name: name('broker_blocked_total'),
      help: 'Times the broker blocked a connection (a resource alarm: publishing waits).',
      labelNames: ['connection'],
      registers,
    });
    // Read from the runners' process-wide counter at scrape time (see createTransactionRunner).
    const transactions = options.transactions ?? transactionErrors;
    this.dbTransactionRetries = new Counter({
      name: name('db_transaction_retries_total'),
      help: 'Database transactions retried whole after a transient failure, by kind (conflict: deadlock or lock-wait timeout; connection).',
      labelNames: ['kind'],
      registers,
      collect() {
        copyCounts(this, transactions.retries);
      },
    });
    this.dbTransactionFailures = new Counter({
      name: name('db_transaction_failures_total'),
      help: 'Database transactions that failed for good (after their retries), by kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        copyCounts(this, transactions.failures);
      },
    });

    this.likesAccepted = new Counter({ name: name('likes_accepted_total'), help: 'Likes recorded.', registers });
    this.likesRejected = new Counter({
      name: name('likes_rejected_total'),
      help: 'Likes refused, by reason (the error code answered).',
      labelNames: ['reason'],
      registers,
    });
    this.unlikesAccepted = new Counter({
      name: name('unlikes_accepted_total'),
      help: 'Unlikes answered 204, by whether a like was there to remove (removed="true") or not (an unlike is idempotent).',
      labelNames: ['removed'],
      registers,
    });
    this.unlikesRejected = new Counter({
      name: name('unlikes_rejected_total'),
      help: 'Unlikes refused, by reason (the error code answered).',
      labelNames: ['reason'],
      registers,
    });
    this.productsCreated = new Counter({ name: name('products_created_total'), help: 'Products created.', registers });
    this.productsUpdated = new Counter({ name: name('products_updated_total'), help: 'Products updated.', registers });
    this.productsDeleted = new Counter({ name: name('products_deleted_total'), help: 'Products deleted.', registers });
    this.rateLimitStoreErrors = new Counter({
      name: name('rate_limit_store_errors_total'),
      help: 'Requests a rate limiter let through uncounted because its shared store (Redis) failed or timed out, by limiter.',
      labelNames: ['limiter'],
      registers,
    });

    // Credentials: counted process-wide where they happen (credential-events.ts), copied here at scrape time.
    const events = credentialEvents;
    this.secretReads = new Counter({
      name: name('secret_reads_total'),
      help: 'Reads of a secret from Secrets Manager (database, signing_key), by outcome (ok, error).',
      labelNames: ['secret', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const secret of SECRET_KINDS)
          for (const outcome of READ_OUTCOMES) this.inc({ secret, outcome }, events.secretReads(secret, outcome));
      },
    });
    this.credentialChanges = new Counter({
      name: name('credential_changes_total'),
      help: 'New values seen while running: a secret (database, signing_key) read again with a new value, or a changed key set fetched from the JWKS (jwks).',
      labelNames: ['credential'],
      registers,
      collect() {
        this.reset();
        for (const credential of CREDENTIAL_KINDS) this.inc({ credential }, events.changesOf(credential));
      },
    });
    this.databaseAuthFailures = new Counter({
      name: name('database_auth_failures_total'),
      help: 'Logins the database refused (ER_ACCESS_DENIED_ERROR) for credentials from a secret; each makes the pool read the secret again.',
      registers,
      collect() {
        this.reset();
        this.inc(events.databaseAuthFailures());
      },
    });
    this.jwksFetches = new Counter({
      name: name('jwks_fetches_total'),
      help: "Fetches of the token signing keys from admin's JWKS, by outcome (ok, error).",
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        for (const outcome of READ_OUTCOMES) this.inc({ outcome }, events.jwksFetches(outcome));
      },
    });

    this.dependencyBreakerState = new Gauge({
      name: name('dependency_breaker_state'),
      help: 'Circuit breaker of each call to another service, by dependency: 0 closed (calls go through), 1 half-open (one trial call), 2 open (calls refused at once).',
      labelNames: ['dependency'],
      registers,
    });
    this.dependencyCallsRefused = new Counter({
      name: name('dependency_calls_refused_total'),
      help: 'Calls to another service refused at once because its circuit breaker was open, by dependency.',
      labelNames: ['dependency'],
      registers,
    });

    // Series that exist from the start read as 0 instead of "no data", so rate() and alerts work at once.
    for (const reason of LIKE_REJECTION_REASONS) this.likesRejected.labels(reason).inc(0);
    for (const reason of LIKE_REJECTION_REASONS.filter((r) => r !== 'already_liked')) this.unlikesRejected.labels(reason).inc(0);
    for (const removed of ['true', 'false']) this.unlikesAccepted.labels(removed).inc(0);
    for (const type of ALL_EVENT_TYPES) {
      this.eventsPublished.labels(type).inc(0);
      this.eventsConsumed.labels(type).inc(0);
      for (const reason of DEAD_LETTER_REASONS) this.eventsDeadLettered.labels(type, reason).inc(0);
      this.eventsUnroutable.labels(type).inc(0);
    }
  }

  /** Prometheus text exposition of this registry. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Sets a labelled counter to the totals a plain map holds (the map only ever grows). */
function copyCounts(counter: Counter<'kind'>, counts: ReadonlyMap<string, number>): void {
  counter.reset();
  for (const [kind, n] of counts) counter.inc({ kind }, n);
}

export type OutboxBacklogReader = () => Promise<{ rows: number; oldestAgeSeconds: number }>;

/**
 * Reads the outbox backlog when Prometheus scrapes (not on a timer, so an idle process runs no
 * queries). Both gauges share one query per scrape; a slow or failed query keeps the last values
 * rather than failing the scrape (readiness reports the database).
 */
function backlogCollector(read: OutboxBacklogReader, gauges: () => [Gauge, Gauge], timeoutMs = 2000): () => Promise<void> {
  let pending: Promise<void> | undefined;
  const refresh = async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const backlog = await Promise.race([
        read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('outbox backlog query timed out')), timeoutMs);
        }),
      ]);
      const [rows, age] = gauges();
      rows.set(backlog.rows);
      age.set(backlog.oldestAgeSeconds);
    } catch {
      // keep the last values
    } finally {
      clearTimeout(timer);
    }
  };
  return async () => {
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    await pending;
  };
}
