import type { DataSource } from 'typeorm';
import type { EventType } from '../contracts/events';
import type { Logger } from '../logging/logger';
import { Broker } from '../messaging/broker';
import { EventConsumer, type EventHandler } from '../messaging/consumer';
import type { CrashHook } from '../messaging/crash-points';
import { InboxPruner, type InboxPrunerOptions } from '../messaging/inbox-pruner';
import type { MessagingObserver } from '../messaging/observer';
import { OutboxRelay } from '../messaging/outbox';
import { exchangeOf, prepareTopology, topologyFor, type ConsumerName, type Topology } from '../messaging/topology';

export interface MessagingSettings {
  brokerUrl: string;
  namespace: string;
  heartbeatSeconds: number;
  prefetch: number;
  deliveryLimit: number;
  sweepIntervalMs: number;
  confirmTimeoutMs: number;
  /** Backoff of an outbox event the broker returned unroutable. */
  unroutableRetry: { baseMs: number; maxMs: number };
  /** Declare the topology at start (a broker user with configure rights), or only check it exists. */
  declareTopology: boolean;
  inbox: { retentionDays: number; pruneIntervalMs: number };
}

/** The messaging part of a service's validated configuration (see commonEnvShape). */
export function messagingSettingsFrom(config: {
  brokerUrl: string;
  AMQP_NAMESPACE: string;
  AMQP_HEARTBEAT_SECONDS: number;
  AMQP_PREFETCH: number;
  AMQP_DELIVERY_LIMIT: number;
  OUTBOX_SWEEP_MS: number;
  OUTBOX_RETRY_BASE_MS: number;
  OUTBOX_RETRY_MAX_MS: number;
  PUBLISH_CONFIRM_TIMEOUT_MS: number;
  AMQP_DECLARE_TOPOLOGY: boolean;
  INBOX_RETENTION_DAYS: number;
  INBOX_PRUNE_INTERVAL_MS: number;
}): MessagingSettings {
  return {
    brokerUrl: config.brokerUrl,
    namespace: config.AMQP_NAMESPACE,
    heartbeatSeconds: config.AMQP_HEARTBEAT_SECONDS,
    prefetch: config.AMQP_PREFETCH,
    deliveryLimit: config.AMQP_DELIVERY_LIMIT,
    sweepIntervalMs: config.OUTBOX_SWEEP_MS,
    confirmTimeoutMs: config.PUBLISH_CONFIRM_TIMEOUT_MS,
    unroutableRetry: { baseMs: config.OUTBOX_RETRY_BASE_MS, maxMs: config.OUTBOX_RETRY_MAX_MS },
    declareTopology: config.AMQP_DECLARE_TOPOLOGY,
    inbox: { retentionDays: config.INBOX_RETENTION_DAYS, pruneIntervalMs: config.INBOX_PRUNE_INTERVAL_MS },
  };
}

export interface ServiceMessagingOptions {
  service: ConsumerName;
  settings: MessagingSettings;
  dataSource: DataSource;
  logger: Logger;
  runRelay: boolean;
  runConsumer: boolean;
  /** Prune the inbox on a timer: on in the process that consumes (admin's consumer runs outside this class). */
  pruneInbox: boolean;
  /** What must outlive the inbox, kept before its rows are pruned (see InboxPruner). */
  beforeInboxForget?: InboxPrunerOptions['beforeForget'];
  handlers: Partial<Record<EventType, EventHandler>>;
  observer?: MessagingObserver;
  crash?: CrashHook;
}

/**
 * A service's whole messaging side: its outbox relay and its consumer, each on a connection of its
 * own, because RabbitMQ blocks a publishing connection under a resource alarm and consumers must
 * keep acknowledging through it.
 */
export class ServiceMessaging {
  readonly broker: Broker;
  readonly consumerBroker: Broker | undefined;
  readonly topology: Topology;
  readonly relay: OutboxRelay | undefined;
  readonly consumer: EventConsumer | undefined;
  readonly inboxPruner: InboxPruner | undefined;

  constructor(options: ServiceMessagingOptions) {
    const { settings, logger } = options;
    this.topology = topologyFor(settings.namespace);
    const connect = (role: string) =>
      new Broker({
        url: settings.brokerUrl,
        connectionName: `${options.service}-service ${role}`,
        heartbeatSeconds: settings.heartbeatSeconds,
        logger,
        role,
        observer: options.observer,
      });
    this.broker = connect('publisher');
    this.consumerBroker = options.runConsumer ? connect('consumer') : undefined;
    if (options.runRelay) {
      const channel = this.broker.createChannel(
        `publisher:${options.service}`,
        (ch) =>
          prepareTopology(ch, this.topology, {
            declare: settings.declareTopology,
            deliveryLimit: settings.deliveryLimit,
            service: options.service,
            side: 'publisher',
          }),
        settings.confirmTimeoutMs,
      );
      this.relay = new OutboxRelay({
        dataSource: options.dataSource,
        channel,
        exchange: exchangeOf(this.topology, options.service),
        logger,
        isBrokerConnected: () => this.broker.isConnected(),
        sweepIntervalMs: settings.sweepIntervalMs,
        confirmTimeoutMs: settings.confirmTimeoutMs,
        unroutableRetry: settings.unroutableRetry,
        observer: options.observer,
        crash: options.crash,
      });
      this.broker.onConnect(() => this.relay?.kick());
    }
    if (options.pruneInbox) {
      this.inboxPruner = new InboxPruner({
        dataSource: options.dataSource,
        logger,
        retentionDays: settings.inbox.retentionDays,
        intervalMs: settings.inbox.pruneIntervalMs,
        beforeForget: options.beforeInboxForget,
        observer: options.observer,
      });
    }
    if (options.runConsumer) {
      this.consumer = new EventConsumer({
        consumer: options.service,
        broker: this.consumerBroker!,
        topology: this.topology,
        dataSource: options.dataSource,
        handlers: options.handlers,
        logger,
        prefetch: settings.prefetch,
        deliveryLimit: settings.deliveryLimit,
        declareTopology: settings.declareTopology,
        confirmTimeoutMs: settings.confirmTimeoutMs,
        observer: options.observer,
        crash: options.crash,
      });
    }
  }

  async start(): Promise<void> {
    this.relay?.start();
    await this.consumer?.start();
    this.inboxPruner?.start();
  }

  /** Resolves once the publisher and consumer channels are open: for tests and readiness. */
  async ready(): Promise<void> {
    await Promise.all([this.relay?.ready(), this.consumer?.ready()]);
  }

  /** Called after a commit that wrote to the outbox. */
  announce(): void {
    this.relay?.kick();
  }

  isConnected(): boolean {
    return this.broker.isConnected() && (this.consumerBroker?.isConnected() ?? true);
  }

  async stop(timeoutMs: number): Promise<void> {
    await this.inboxPruner?.stop();
    await this.consumer?.stop(timeoutMs);
    await this.relay?.stop();
    await Promise.all([this.broker.close(), this.consumerBroker?.close()]);
  }
}
